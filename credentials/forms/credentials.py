"""Forms for issued credentials: the learner hiding or showing one, and programme admins finding
and revoking one."""

from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CredentialStatus
from ..selectors import CREDENTIAL_CODE


class CredentialVisibilityForm(forms.Form):
    public = forms.TypedChoiceField(
        choices=[("1", _("Show on the public page")), ("0", _("Hide from the public page"))],
        coerce=lambda value: value == "1",
    )


class ShareEmailForm(forms.Form):
    share = forms.TypedChoiceField(
        choices=[("1", _("Share my e-mail address")), ("0", _("Stop sharing my e-mail address"))],
        coerce=lambda value: value == "1",
    )


def code_from_text(text: str) -> str:
    """The verification code in what an admin pasted: the code itself, or any link to the
    credential (/verify/<code>/, its JSON, QR code or certificate). Empty when there is none."""
    text = text.strip()
    if "/" in text:
        segments = [part for part in urlsplit(text).path.split("/") if part]
        if "verify" in segments:
            after = segments[len(segments) - segments[::-1].index("verify") :]
            text = after[0] if after else ""
        else:
            text = segments[-1] if segments else ""
    return text if CREDENTIAL_CODE.fullmatch(text) else ""


class CredentialSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Verification code or link"),
        required=False,
        max_length=500,
        help_text=_("Paste the code, or the whole verification link someone sent you."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *CredentialStatus.choices],
    )

    def clean_q(self) -> str:
        text = self.cleaned_data["q"].strip()
        if not text:
            return ""
        code = code_from_text(text)
        if not code:
            raise forms.ValidationError(
                _("This is not a verification code or a verification link."), code="not_a_code"
            )
        return code


class CredentialRevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
        help_text=_(
            "The learner reads this reason on their credentials page, and it is kept in the "
            "audit log; the public page only says that the credential is revoked. Keep it short "
            "and factual; leave out personal details."
        ),
        error_messages={"required": _("Please give the reason for revoking.")},
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Please give the reason for revoking."), code="required")
        return reason
