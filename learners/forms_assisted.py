"""The form partner staff fill in when they register a learner in person."""

import contextlib
import re

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from partners.models import DisplacementStatus, Partner
from portal.forms import phone_parse

_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().-]+$")


class AssistedRegistrationForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name on certificates"),
        max_length=120,
        help_text=_(
            "Printed on the certificates the person earns. Use the name they want to be known "
            "by; it does not need to match any document."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=settings.LANGUAGES,
        help_text=_("The portal, the access slip and any messages will use this language."),
    )
    country_of_residence = forms.ChoiceField(
        label=_("Country where they live now"),
        choices=[],
        help_text=_(
            "To check that your organisation serves where they live, and for anonymous statistics."
        ),
    )
    displacement_status = forms.ChoiceField(
        label=_("Displacement status"),
        choices=DisplacementStatus.choices,
        help_text=_(
            "What your organisation confirms by registering them. Free course places are only "
            "for displaced people. Only your organisation's staff see it."
        ),
    )
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        required=False,
        help_text=_(
            "Only if the person has an address of their own: they are then e-mailed a link to "
            "create their account themselves, instead of a printed slip. Without one, you print "
            "an access slip with a login code."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        required=False,
        max_length=32,
        help_text=_(
            "So your organisation can reach the person if they have no e-mail address. "
            "As dialled in the country where they live, or with the country code. Kept encrypted."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    case_number = forms.CharField(
        label=_("Registration or case number (optional)"),
        required=False,
        max_length=64,
        help_text=_(
            "For example a UNHCR registration number, so your staff can find this person's "
            "record later. Kept encrypted; it never appears on certificates."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I have explained to the person what the portal keeps about them (the privacy "
            "notice), and they agree."
        ),
        help_text=_("Their consent is recorded with today's date and the notice's version."),
        error_messages={
            "required": _("The person must agree to the privacy notice before registering.")
        },
    )

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        served = [c.code for c in partner.countries]
        self.fields["country_of_residence"].choices = [("", "---------"), *countries]
        if served and not self.is_bound:
            self.fields["country_of_residence"].initial = served[0]
        if get_language() in dict(settings.LANGUAGES):
            self.fields["language"].initial = get_language()

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        digits = re.sub(r"\D", "", phone)
        if not _PHONE_CHARACTERS.match(phone) or not 6 <= len(digits) <= 20:
            raise forms.ValidationError(
                _("Enter a phone number with its country code, for example +962 7 9123 4567.")
            )
        return phone

    def clean(self):
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        if phone:
            # A number dialled as at home is read in the country where the person lives; kept
            # in E.164 when it is a valid number there, else as typed (a contact number, never
            # refused: families share phones, and staff copy what they are told).
            with contextlib.suppress(forms.ValidationError):
                cleaned_data["phone"] = phone_parse(
                    phone, region=cleaned_data.get("country_of_residence") or ""
                )
        return cleaned_data

    def clean_case_number(self) -> str:
        return self.cleaned_data["case_number"].strip()

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "display_name": data["display_name"],
            "language": data["language"],
            "country_of_residence": data["country_of_residence"],
            "displacement_status": data["displacement_status"],
            "email": data["email"],
            "phone": data["phone"],
            "case_number": data["case_number"],
        }
