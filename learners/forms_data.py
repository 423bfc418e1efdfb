"""The form that confirms deleting an account."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services.data_rights import CREDENTIALS_KEEP, CREDENTIALS_REVOKE


def confirmation_word() -> str:
    # Translated: the learner types the word in the language they read the page in.
    return str(_("DELETE"))


class ErasureForm(forms.Form):
    credentials = forms.ChoiceField(
        label=_("Your certificates"),
        widget=forms.RadioSelect,
        choices=[
            (
                CREDENTIALS_KEEP,
                _(
                    "Keep them: anyone with a link can still check them, under the name "
                    "printed on them"
                ),
            ),
            (CREDENTIALS_REVOKE, _("Revoke them: they will no longer be valid")),
        ],
        error_messages={"required": _("Please choose what happens to your certificates.")},
    )
    confirmation = forms.CharField(
        max_length=40,
        help_text=_("This cannot be undone."),
        error_messages={"required": _("Please type the word to confirm.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmation"].label = _("Type the word %(word)s to confirm") % {
            "word": confirmation_word()
        }

    def clean_confirmation(self) -> str:
        typed = " ".join((self.cleaned_data.get("confirmation") or "").split())
        accepted = {confirmation_word().casefold(), "delete"}
        if typed.casefold() not in accepted:
            raise forms.ValidationError(
                _("Please type the word exactly as shown to confirm."), code="confirmation"
            )
        return typed
