"""Forms for coordinators (enrolments) and programme admins (seats, codes, providers)."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from portal.crypto import encrypt_text
from portal.csv_upload import CsvFileField

from ..models import AccessMethod, EnrolmentStatus, Provider
from ..services.codes import MAX_CODES_PER_FILE

MAX_SEATS = 1_000_000


class EnrolmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *EnrolmentStatus.choices],
        help_text=_("Show only the enrolments in this state."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
        help_text=_(
            "The learner reads this reason on their page and in an e-mail, and it is kept in "
            "the audit log. Keep it short and factual; leave out personal details."
        ),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class SeatAllocationForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.order_by("name"),
        to_field_name="slug",
        help_text=_("The organisation whose learners use these seats."),
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.exclude(access_method=AccessMethod.OPEN).order_by("name"),
        to_field_name="slug",
        help_text=_("Seats are counted per provider: any of its courses uses one seat."),
    )
    total = forms.IntegerField(
        label=_("Seats"),
        min_value=0,
        max_value=MAX_SEATS,
        help_text=_(
            "The partner's total number of seats at this provider, used ones included. It cannot "
            "be less than the seats in use. Adding seats enrols waiting learners at once."
        ),
    )


class AccessCodeImportForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.filter(access_method=AccessMethod.VOUCHER).order_by("name"),
        to_field_name="slug",
        help_text=_("The provider that issued these codes; each learner gets one of them."),
    )
    csv_file = CsvFileField(accept=".csv,.txt,text/csv,text/plain")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["csv_file"].help_text = _(
            "Saved as UTF-8, at most 2 MB and %(max)s codes: one code per line, or a column "
            "named “code”. Codes already stored, or repeated in the file, are skipped."
        ) % {"max": f"{MAX_CODES_PER_FILE:,}"}


def https_by_default(field: models.Field, **kwargs) -> forms.Field | None:
    """Web addresses typed without a scheme are taken as https:// (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ProviderAdminForm(forms.ModelForm):
    """The Django admin's provider form: the API token is typed in, stored encrypted, and never
    shown again."""

    api_token = forms.CharField(
        label=_("API token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "For providers that give access through their API: the token they issued to the "
            "portal. It is stored encrypted and never shown; leave empty to keep the current one."
        ),
    )
    clear_api_token = forms.BooleanField(
        label=_("Remove the stored API token"),
        required=False,
        help_text=_("Tick to delete the token, for example when the provider revoked it."),
    )

    class Meta:
        model = Provider
        formfield_callback = https_by_default
        fields = [
            "name",
            "slug",
            "website",
            "access_method",
            "api_enrolment_url",
            "requires_email",
            "is_active",
        ]
        help_texts = {
            "slug": _("Used in links and imports. Lower-case letters, digits and dashes."),
            "access_method": _(
                "Voucher codes: each learner gets one of the codes you import. Provider API: the "
                "portal enrols the learner on the provider's site. Open link: no seat is needed."
            ),
            "api_enrolment_url": _("Only for the provider API: where enrolments are sent."),
            "is_active": _("Courses of inactive providers are hidden from learners."),
        }

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("access_method")
        has_token = bool(cleaned.get("api_token")) or (
            bool(self.instance.api_token_encrypted) and not cleaned.get("clear_api_token")
        )
        if method == AccessMethod.API:
            if not cleaned.get("api_enrolment_url"):
                self.add_error(
                    "api_enrolment_url", _("Providers reached through their API need this address.")
                )
            if not has_token:
                self.add_error("api_token", _("Providers reached through their API need a token."))
        return cleaned

    def save(self, commit=True):
        provider = super().save(commit=False)
        if self.cleaned_data.get("api_token"):
            provider.api_token_encrypted = encrypt_text(self.cleaned_data["api_token"])
        elif self.cleaned_data.get("clear_api_token"):
            provider.api_token_encrypted = ""
        if commit:
            provider.save()
        return provider
