"""Print the current two-factor code of a demo account, so a demo staff member can sign in."""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand, CommandError

from portal.adapters import MFAAdapter
from portal.models import User

from .seed_demo import is_demo_account


class Command(BaseCommand):
    help = "Print the current authenticator code (and secret) of a demo staff or admin account."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None or not is_demo_account(user):
            # Real accounts' secrets are never printed.
            raise CommandError("Only the demo accounts made by seed_demo can be used here.")
        authenticator = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError("This account has no authenticator; run seed_demo first.")
        secret = MFAAdapter().decrypt(authenticator.data["secret"])
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        seconds_left = 30 - int(time.time()) % 30
        self.stdout.write(f"code: {code}   (valid for {seconds_left} more seconds)")
        self.stdout.write(f"secret for an authenticator app: {secret}")
