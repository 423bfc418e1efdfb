"""Print an issued credential's signed JSON, by its verification code."""

from django.core.management.base import BaseCommand, CommandError

from credentials.models import Credential


class Command(BaseCommand):
    help = "Print the signed JSON of the credential with the given verification code."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the code in the credential's /verify/<code> link")

    def handle(self, *args, code, **options):
        credential = Credential.objects.filter(code=code.strip()).first()
        if credential is None:
            raise CommandError(f"No credential has the code {code!r}.")
        self.stdout.write(credential.document)
