"""Rotate the issuer's signing key, or mark a key compromised (decision record 0025).

manage.py rotate_signing_key
manage.py rotate_signing_key --compromised key-1 --since 2026-12-01T08:00:00Z
"""

from datetime import UTC

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from credentials.services.key_compromise import signing_key_mark_compromised
from credentials.services.signing_keys import (
    issuer_did_web,
    signing_key_current,
    signing_key_rotate,
)


class Command(BaseCommand):
    help = (
        "Make a new signing key current (earlier keys stay published, so what they signed keeps "
        "verifying); with --compromised KEY_ID --since TIME, mark a key compromised and revoke "
        "every credential it signed from that time on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--compromised", metavar="KEY_ID", help='a key id, e.g. "key-1"')
        parser.add_argument(
            "--since",
            metavar="ISO_TIME",
            help="when the key may have leaked, e.g. 2026-12-01T08:00:00Z (UTC if no zone)",
        )

    def handle(self, *args, compromised=None, since=None, **options):
        if since and not compromised:
            raise CommandError("--since goes with --compromised KEY_ID.")
        if compromised:
            if not since:
                raise CommandError(
                    "Say since when the key may have leaked: --since 2026-12-01T08:00:00Z "
                    "(its creation time, if unknown)."
                )
            moment = parse_datetime(since)
            if moment is None:
                raise CommandError(f"--since is not an ISO 8601 time: {since!r}")
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            try:
                result = signing_key_mark_compromised(key_id=compromised, since=moment)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            if result.rotated_to is not None:
                self.stdout.write(
                    f"{compromised} was current: {result.rotated_to.key_id} is now current."
                )
            self.stdout.write(
                f"{result.key.key_id} is marked compromised since "
                f"{result.key.compromised_since.isoformat()}; {result.revoked} credential(s) "
                f"it signed since then revoked, {result.status_lists_resigned} status list(s) "
                "re-signed with the current key."
            )
            return
        previous, _key = signing_key_current()
        record = signing_key_rotate()
        did = issuer_did_web()
        self.stdout.write(
            f"{record.key_id} is now the current signing key ({previous.key_id} retired, still "
            f"published). Issuer: {did or record.did}."
        )
        if did:
            self.stdout.write(f"Verification method: {did}#{record.key_id}")
