"""Voucher codes: programme admins import a provider's codes from a CSV file."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from portal.csv_upload import UploadRejected, csv_lines, csv_text
from portal.models import User
from portal.services import audit_record

from ..models import AccessCode, AccessMethod, Provider
from ..permissions import can_manage_seats

# A code is a few characters, so a file may hold more of them than other uploads hold lines
# (portal.csv_upload.MAX_ROWS); its size limit is theirs (MAX_BYTES).
MAX_CODES_PER_FILE = 50_000
MAX_CODE_LENGTH = AccessCode._meta.get_field("code").max_length
# Existing codes are looked up this many at a time (a query's parameters stay bounded).
LOOKUP_CHUNK = 5_000


def _codes_in(csv_file: UploadedFile) -> list[str]:
    """The codes of the file in order (duplicates kept, blank lines left out), or UploadRejected
    saying why the file cannot be used. Nothing is stored from a bad file."""
    codes: list[str] = []
    column: int | None = None  # the "code" column, when the first line names it
    first = True
    for line, values in csv_lines(csv_text(csv_file)):
        cells = [value.strip() for value in values]
        if not any(cells):
            continue
        if first:
            first = False
            names = [cell.casefold() for cell in cells]
            if "code" in names:
                column = names.index("code")
                continue
        if column is None:
            if sum(1 for cell in cells if cell) > 1:
                raise UploadRejected(
                    _(
                        "Line %(line)d has several values. Upload one code per line, or "
                        "name the column of codes “code” in the first line."
                    )
                    % {"line": line},
                    code="columns",
                )
            code = next(cell for cell in cells if cell)
        else:
            code = cells[column] if column < len(cells) else ""
            if not code:
                continue
        if len(code) > MAX_CODE_LENGTH:
            raise UploadRejected(
                _("Line %(line)d holds a code longer than %(max)d characters.")
                % {"line": line, "max": MAX_CODE_LENGTH},
                code="too_long",
            )
        if len(codes) >= MAX_CODES_PER_FILE:
            raise UploadRejected(
                _("The file has more than %(max)s codes. Please split it into smaller files.")
                % {"max": f"{MAX_CODES_PER_FILE:,}"},
                code="too_many",
            )
        codes.append(code)
    if not codes:
        raise UploadRejected(_("The file holds no codes."), code="empty")
    return codes


@transaction.atomic
def access_codes_import(
    *, provider: Provider, csv_file: UploadedFile, acting_user: User
) -> tuple[int, int]:
    """Store a provider's voucher codes; returns (added, skipped). Codes that appear twice in
    the file or that the provider already has are skipped and counted."""
    if not can_manage_seats(acting_user):
        raise ValidationError(_("Only programme admins import access codes."), code="forbidden")
    if provider.access_method != AccessMethod.VOUCHER:
        raise ValidationError(
            _("%(provider)s does not give access with voucher codes.") % {"provider": provider},
            code="not_voucher",
        )
    codes = _codes_in(csv_file)
    # One import at a time per provider, so the counts below are exact.
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    unique = list(dict.fromkeys(codes))
    stored: set[str] = set()
    for start in range(0, len(unique), LOOKUP_CHUNK):
        stored.update(
            AccessCode.objects.filter(
                provider=provider, code__in=unique[start : start + LOOKUP_CHUNK]
            ).values_list("code", flat=True)
        )
    new = [code for code in unique if code not in stored]
    AccessCode.objects.bulk_create(
        [AccessCode(provider=provider, code=code) for code in new],
        batch_size=2_000,
        ignore_conflicts=True,
    )
    added, skipped = len(new), len(codes) - len(new)
    audit_record(
        actor=acting_user,
        action="codes.imported",
        target=provider,
        data={"added": added, "skipped": skipped},
    )
    return added, skipped
