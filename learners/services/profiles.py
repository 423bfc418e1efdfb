"""A learner's profile and their consent to the privacy notice."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts import account_language_set
from portal.models import User

# The notice's version lives with the notice page; consent records which version was agreed to.
from portal.privacy import PRIVACY_NOTICE_VERSION
from portal.services import audit_record

from ..models import LearnerProfile

PROFILE_FIELDS = ("display_name", "country_of_residence", "country_of_origin")


@transaction.atomic
def learner_profile_save(
    *,
    user: User,
    display_name: str,
    language: str,
    country_of_residence: str,
    country_of_origin: str = "",
    consent: bool,
    acting_user: User,
) -> LearnerProfile:
    """Create or update a learner's profile, their preferred language and their consent.

    Consent is recorded with the privacy notice's current version; its time is kept while the
    version stays the same, and renewed when the learner agrees to a newer version.
    The audit event names the fields that changed, never their values.
    """
    if not user.is_learner:
        raise ValidationError(_("Only learners have a learner profile."), code="not_learner")
    if not consent:
        raise ValidationError(
            _("Please agree to the privacy notice to continue."), code="consent_required"
        )
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Please choose a language from the list."), code="language")
    display_name = (display_name or "").strip()
    if not display_name:
        raise ValidationError(_("Please write your name."), code="display_name")
    if not country_of_residence:
        raise ValidationError(
            _("Please choose the country where you live now."), code="country_of_residence"
        )

    values = {
        "display_name": display_name,
        "country_of_residence": country_of_residence,
        "country_of_origin": country_of_origin or "",
    }
    now = timezone.now()
    profile = LearnerProfile.objects.select_for_update().filter(user=user).first()
    created = profile is None
    if created:
        profile = LearnerProfile(
            user=user, consent_version=PRIVACY_NOTICE_VERSION, consent_at=now, **values
        )
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError:
            # The same form sent twice at once: the other request created it; update that one.
            profile = LearnerProfile.objects.select_for_update().get(user=user)
            created = False

    changed: list[str] = []
    if not created:
        changed = [name for name in PROFILE_FIELDS if _code(getattr(profile, name)) != values[name]]
        for name in changed:
            setattr(profile, name, values[name])
        update_fields = list(changed)
        if profile.consent_version != PRIVACY_NOTICE_VERSION:
            profile.consent_version = PRIVACY_NOTICE_VERSION
            profile.consent_at = now
            update_fields += ["consent_version", "consent_at"]
        if update_fields:
            profile.save(update_fields=[*update_fields, "updated_at"])

    if user.language != language:
        account_language_set(user=user, language=language)
        changed.append("language")

    audit_record(
        actor=acting_user,
        action="learner.profile_created" if created else "learner.profile_updated",
        target=profile,
        data={"consent_version": profile.consent_version, "changed": changed},
    )
    return profile


def _code(value) -> str:
    # CountryField values are Country objects; compare them by their code.
    return getattr(value, "code", value) or ""
