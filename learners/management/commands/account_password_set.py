"""Break glass: set another account's password from the command line (docs/decisions/0014).

    manage.py account_password_set staff@example.org

The password is asked twice on the terminal (or read from standard input with --stdin) and
never appears in the shell history. Refused for learners who have a partner. Audited.
"""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from learners.services.break_glass import BreakGlassRefused, account_password_set_by_operator
from portal.models import User


class Command(BaseCommand):
    help = (
        "Set the password of an account (staff, admin, operator, or a learner without a "
        "partner). Audited. The only way to set someone else's password."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--stdin", action="store_true", help="Read the password from the first input line."
        )

    def handle(self, *args, email: str, stdin: bool, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError("No account has this e-mail address.")
        if stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("New password: ")
            if getpass.getpass("New password (again): ") != password:
                raise CommandError("The two passwords differ.")
        try:
            account_password_set_by_operator(user=user, password=password)
        except BreakGlassRefused as refused:
            raise CommandError(f"Refused: {refused}") from None
        except ValidationError as invalid:
            raise CommandError(" ".join(invalid.messages)) from None
        self.stdout.write(self.style.SUCCESS("Password set; the account's sessions are ended."))
