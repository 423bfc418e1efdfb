"""A learner's profile and consent."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class LearnerProfile(models.Model):
    """What the portal knows about a learner beyond their account.

    Personal data: display_name (shown on credentials); the preferred language is User.language;
    country_of_residence, country_of_origin (optional), phone_encrypted (assisted registration
    only; encrypted at rest), consent_version/consent_at.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_profile"
    )
    display_name = models.CharField(_("name on certificates"), max_length=120)
    country_of_residence = CountryField(_("country where you live now"))
    country_of_origin = CountryField(_("country of origin"), blank=True)
    phone_encrypted = models.TextField(blank=True, editable=False)
    consent_version = models.CharField(max_length=20)
    consent_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")

    def __str__(self) -> str:
        return self.display_name
