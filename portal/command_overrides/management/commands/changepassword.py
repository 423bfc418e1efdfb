"""`manage.py changepassword` is switched off (docs/decisions/0014).

Django's own command sets anyone's password without an audit event, learners with a partner
included. This one, found first because its app is listed before django.contrib.auth in
INSTALLED_APPS, refuses and points to the one break-glass path, `account_password_set`
(audited, refuses learners who have a partner).
"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Disabled: use `manage.py account_password_set EMAIL` (audited)."

    def add_arguments(self, parser):
        # Accept what Django's command accepts, so that the answer is always this refusal.
        parser.add_argument("username", nargs="?")
        parser.add_argument("--database")

    def handle(self, *args, **options):
        raise CommandError(
            "changepassword is disabled in this portal: it is not audited and does not refuse "
            "learners who have a partner. Use `python manage.py account_password_set EMAIL` "
            "instead (audited; the password is asked twice, or read with --stdin)."
        )
