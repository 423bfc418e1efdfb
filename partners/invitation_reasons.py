"""Why a line of a bulk invitation file was not sent: the codes stored on InvitationRow.error and
the sentences shown for them (pure: read by the pages' selectors, written by the upload service)."""

from django.conf import settings
from django.utils.translation import gettext_lazy

from portal.csv_upload import ROW_REASONS

from .models import InvitationRow

# Why a line was not sent. The code is stored (InvitationRow.error); the sentence is written
# when the page is shown, in the language of whoever reads it.
REASONS = {
    **ROW_REASONS,
    "name_too_long": gettext_lazy("The name is longer than 200 characters."),
    "unknown_language": gettext_lazy("Unknown language “%(language)s”; use one of: %(codes)s."),
    "repeated_in_file": gettext_lazy("This address is already earlier in the file."),
    # Only on lines of files uploaded before docs/decisions/0015; no line gets it any more.
    "has_account": gettext_lazy("This address already has an account."),
    "invited_before": gettext_lazy("You invited this address before."),
}


def invitation_row_reason(row: InvitationRow) -> str:
    """The reason a line was not sent, as a sentence in the active language ("" if none)."""
    message = REASONS.get(row.error)
    if message is None:
        return row.error
    if row.error == "unknown_language":
        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        return str(message) % {"language": row.language, "codes": codes}
    return str(message)
