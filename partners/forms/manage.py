"""Forms for managing partners, their staff, API keys and bulk learner invitations."""

from django import forms
from django.conf import settings
from django.utils.html import escape
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext_lazy as _

from portal.csv_upload import MAX_ROWS, CsvFileField

from ..models import Partner, StaffRole
from ..services.partners import partner_slug_is_reserved


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = [
            "name",
            "slug",
            "countries",
            "contact_email",
            "contact_phone",
            "contact_details",
            "description",
            "verification_validity_days",
            "is_active",
        ]
        help_texts = {
            "name": _(
                "The organisation's name, as learners will see it when they choose a partner."
            ),
            "slug": _(
                "Used in the partner's links, e.g. /join/short-name/. Lower-case letters, digits "
                "and dashes. Leave empty to make one from the name. Changing it breaks links "
                "already sent."
            ),
            "countries": _(
                "Learners living in these countries can choose this partner. Hold Ctrl (or ⌘) "
                "to choose several."
            ),
            "contact_email": _(
                "Where learners and the programme team can write to the organisation. Shown to "
                "learners; use a shared address rather than a person's own."
            ),
            "contact_phone": _(
                "A phone number learners can call or message, with its country code. Shown to "
                "everyone on the help page."
            ),
            "contact_details": _(
                "Where and when learners can find the organisation, e.g. the office address and "
                "opening hours (400 characters at most). Shown to everyone on the help page."
            ),
            "description": _(
                "A few sentences shown to learners choosing a partner (600 characters at most)."
            ),
            "verification_validity_days": _(
                "How long a verification by this partner lasts before the learner must ask again "
                "(at least 1 day; usually 365)."
            ),
            "is_active": _("Only active partners appear to learners and take new applications."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3, "maxlength": 600}),
            "contact_details": forms.Textarea(attrs={"rows": 3, "maxlength": 400}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["countries"].widget.attrs["size"] = 10
        if self.instance.pk and self.instance.countries:
            # A long list does not show what is chosen without scrolling: say it in words.
            # (crispy renders help texts as HTML, so the names are escaped here.)
            chosen = escape(", ".join(str(country.name) for country in self.instance.countries))
            self.fields["countries"].help_text = format_lazy(
                "{} {}",
                self.fields["countries"].help_text,
                _("Chosen now: %(countries)s.") % {"countries": chosen},
            )
        self.fields["verification_validity_days"].min_value = 1
        self.fields["verification_validity_days"].widget.attrs["min"] = 1

    def clean(self):
        cleaned = super().clean()
        slug = (cleaned.get("slug") or "").strip()
        if not slug and cleaned.get("name"):
            slug = slugify(cleaned["name"])[:80]
            if not slug:
                self.add_error(
                    "slug",
                    _(
                        "Please type a short name for links, using Latin letters, digits and "
                        "dashes."
                    ),
                )
        if slug and partner_slug_is_reserved(slug):
            self.add_error(
                "slug",
                _("“%(slug)s” is used by the portal itself; please choose another short name.")
                % {"slug": slug},
            )
        cleaned["slug"] = slug
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"],
            "countries": list(data.get("countries") or []),
            "contact_email": data.get("contact_email") or "",
            "contact_phone": data.get("contact_phone") or "",
            "contact_details": data.get("contact_details") or "",
            "description": data.get("description") or "",
            "verification_validity_days": data["verification_validity_days"],
            "is_active": data.get("is_active", False),
        }


class StaffInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_(
            "We send the invitation link to this address. The person must sign in (or sign up) "
            "with this same address to accept it."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=StaffRole.choices,
        initial=StaffRole.REVIEWER,
        help_text=_(
            "Reviewers check applications. Coordinators also manage the team, API keys and "
            "invitations."
        ),
    )


class CoordinatorInviteForm(forms.Form):
    """A programme admin invites a partner's first coordinator."""

    email = forms.EmailField(
        label=_("Coordinator's e-mail address"),
        max_length=254,
        help_text=_(
            "This person becomes the partner's coordinator and can then invite their own "
            "colleagues. They must accept with this same address."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the key"),
        max_length=100,
        help_text=_(
            "Say which system uses it (e.g. “case management, Amman office”), so you know which "
            "key to revoke later."
        ),
    )


class InvitationUploadForm(forms.Form):
    csv_file = CsvFileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["csv_file"].help_text = _(
            "A CSV file saved as UTF-8, at most 2 MB and %(max)s people. The first line must be "
            "the header email,name,language. The name is used to greet each person; the "
            "language (%(codes)s; empty means %(default)s) is the language of their e-mail. "
            "We use the addresses only to send this invitation."
        ) % {
            "max": f"{MAX_ROWS:,}",
            "codes": ", ".join(code for code, _name in settings.LANGUAGES),
            "default": settings.LANGUAGE_CODE,
        }
