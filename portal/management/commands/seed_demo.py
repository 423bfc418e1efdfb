"""Demo accounts for trying the portal: a programme admin, a partner staff member and a learner."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.models import Role, User
from portal.services import audit_record

DEMO_DOMAIN = "demo.example.org"
DEMO_PASSWORD = "demo-portal-passphrase"  # noqa: S105 — printed for the demo on purpose
DEMO_ACCOUNTS = [
    (f"admin@{DEMO_DOMAIN}", Role.PROGRAMME_ADMIN),
    (f"staff@{DEMO_DOMAIN}", Role.PARTNER_STAFF),
    (f"learner@{DEMO_DOMAIN}", Role.LEARNER),
]


def is_demo_account(user: User) -> bool:
    return user.email.endswith(f"@{DEMO_DOMAIN}")


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts and print how to sign in as each."

    @transaction.atomic
    def handle(self, *args, **options):
        for email, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(email=email, defaults={"role": role})
            user.role = role
            user.is_staff = user.is_superuser = role == Role.PROGRAMME_ADMIN
            user.set_password(DEMO_PASSWORD)
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if (
                user.must_use_mfa
                and not Authenticator.objects.filter(
                    user=user, type=Authenticator.Type.TOTP
                ).exists()
            ):
                TOTP.activate(user, generate_totp_secret())
            if created:
                audit_record(actor=None, action="demo.account_created", target=user)

        self.stdout.write(
            self.style.SUCCESS("Demo accounts are ready.")
            + f"""
Open http://127.0.0.1:8000/ and sign in with one of these (password for all: {DEMO_PASSWORD}):
  learner   learner@{DEMO_DOMAIN}
  staff     staff@{DEMO_DOMAIN}   (partner staff; two-factor authentication is on)
  admin     admin@{DEMO_DOMAIN}   (programme admin; two-factor authentication is on;
                                   also opens the Django admin at /admin/)
Staff and admins are asked for an authenticator code after the password. In the demo, get the
current code with:
  .venv/bin/python manage.py demo_totp staff@{DEMO_DOMAIN}
or add the account to an authenticator app with the secret that command prints.
"""
        )
