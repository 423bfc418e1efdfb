"""Demo data for trying the portal: a programme admin, a partner with a coordinator, learners."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction

from credentials.errors import CredentialNotAllowed
from credentials.models import (
    PENDING_ENROLMENT_STATUSES,
    AccessMethod,
    Course,
    CourseLevel,
    Credential,
    Enrolment,
    EnrolmentStatus,
    Provider,
)
from credentials.services import issuance, wallet
from credentials.services.codes import access_codes_import
from credentials.services.completions import completion_record
from credentials.services.enrolments import enrolment_provision, enrolment_request
from credentials.services.seats import seat_allocation_set
from demo.bulk_seed import command as bulk_seed_command
from learners.models import LearnerProfile
from learners.services.profiles import learner_profile_save
from partners.models import Application, DisplacementStatus, Membership, Partner, StaffRole
from partners.services.applications import Decision, application_decide, application_submit
from partners.services.partners import partner_create
from portal.admin_access import programme_admin_access_grant
from portal.models import Role, User
from portal.origin import site_url
from portal.services import audit_record
from portal.signals import bulk_load_finished

DEMO_DOMAIN = "demo.example.org"
DEMO_PASSWORD = "demo-portal-passphrase"  # noqa: S105 — printed for the demo on purpose
DEMO_PARTNER_SLUG = "demo-refugee-support"
# Learners with an application waiting in the demo partner's review queue.
DEMO_APPLICANTS = 3
DEMO_ACCOUNTS = [
    (f"admin@{DEMO_DOMAIN}", Role.PROGRAMME_ADMIN),
    (f"staff@{DEMO_DOMAIN}", Role.PARTNER_STAFF),
    (f"learner@{DEMO_DOMAIN}", Role.LEARNER),
]


def is_demo_account(user: User) -> bool:
    return user.email.endswith(f"@{DEMO_DOMAIN}")


def _demo_learner(email: str, name: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"role": Role.LEARNER})
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if not LearnerProfile.objects.filter(user=user).exists():
        learner_profile_save(
            user=user,
            display_name=name,
            language="en",
            country_of_residence="JO",
            consent=True,
            acting_user=user,
        )
    return user


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts and print how to sign in as each."

    def add_arguments(self, parser):
        bulk_seed_command.add_arguments(parser)

    @transaction.atomic
    def handle(self, *args, **options):
        for email, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(email=email, defaults={"role": role})
            user.role = role
            # The demo admin is a programme admin, not a superuser (docs/decisions/0014).
            user.is_staff = role == Role.PROGRAMME_ADMIN
            user.is_superuser = False
            user.set_password(DEMO_PASSWORD)
            user.save()
            if role == Role.PROGRAMME_ADMIN:
                programme_admin_access_grant(user=user, acting_user=None)
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
        self._partner_and_applicants()
        self._courses_and_verified_learner()
        credential = self._completed_course_with_credential()
        # The dashboards show the demo at once, not after the first scheduled roll-up (reporting
        # rebuilds its roll-ups on this signal; demo and reporting do not import each other).
        bulk_load_finished.send(sender=type(self))

        self.stdout.write(
            self.style.SUCCESS("Demo accounts are ready.")
            + f"""
Open {site_url("/")} and sign in with one of these (password for all: {DEMO_PASSWORD}):
  learner   learner@{DEMO_DOMAIN}   (not yet verified: can apply to the demo partner)
  verified  verified@{DEMO_DOMAIN}  (verified by the demo partner: can enrol in courses;
                                   has completed one and holds its credential)
  staff     staff@{DEMO_DOMAIN}   (partner staff; two-factor authentication is on)
  admin     admin@{DEMO_DOMAIN}   (programme admin; two-factor authentication is on;
                                   also opens the Django admin at /admin/)
The staff member coordinates the partner "Demo Refugee Support" (Jordan, Lebanon, Türkiye), whose
review queue holds {DEMO_APPLICANTS} applications; the learner can apply to it.
Staff and admins are asked for an authenticator code after the password. In the demo, get the
current code with:
  .venv/bin/python manage.py demo_totp staff@{DEMO_DOMAIN}
or add the account to an authenticator app with the secret that command prints.
"""
        )
        if credential is not None:
            link = issuance.verification_url(credential.code)
            self.stdout.write(
                f"The verified learner's credential for “{credential.course.title}” — anyone "
                f"can check it, no sign-in needed:\n  {link}\n"
            )
            self._wallet_offer(credential)
        if options.get("learners") is not None:
            bulk_seed_command.run(self, options)

    def _wallet_offer(self, credential) -> None:
        """An OpenID4VCI offer of the demo credential (decision 0026): its link, for a wallet app
        or wallet-client/receive.mjs; the 6-digit code goes to the learner by e-mail (the console
        e-mail backend prints it). It works for 10 minutes; the learner's credentials page makes
        new ones."""
        try:
            _offer, uri = wallet.wallet_offer_create(
                credential=credential, acting_user=credential.learner
            )
        except CredentialNotAllowed as error:
            self.stdout.write(f"No wallet offer this time: {' '.join(error.messages)}\n")
            return
        self.stdout.write(
            "Into a wallet app over OpenID4VCI (works once, for 10 minutes; the 6-digit code is in "
            f"the e-mail to verified@{DEMO_DOMAIN}):\n  {uri}\n"
        )

    def _partner_and_applicants(self) -> None:
        admin = User.objects.get(email=f"admin@{DEMO_DOMAIN}")
        partner = Partner.objects.filter(slug=DEMO_PARTNER_SLUG).first() or partner_create(
            name="Demo Refugee Support",
            slug=DEMO_PARTNER_SLUG,
            countries=["JO", "LB", "TR"],
            contact_email=f"contact@{DEMO_DOMAIN}",
            description="A demo partner organisation that verifies learners in Jordan, "
            "Lebanon and Türkiye.",
            acting_user=admin,
        )
        # Demo fixture: the coordinator joins directly instead of through an e-mailed invitation.
        Membership.objects.get_or_create(
            user=User.objects.get(email=f"staff@{DEMO_DOMAIN}"),
            partner=partner,
            defaults={"role": StaffRole.COORDINATOR},
        )
        _demo_learner(f"learner@{DEMO_DOMAIN}", "Demo Learner")
        for n in range(1, DEMO_APPLICANTS + 1):
            applicant = _demo_learner(f"applicant{n}@{DEMO_DOMAIN}", f"Demo Applicant {n}")
            if not Application.objects.filter(learner=applicant).exists():
                application_submit(
                    learner=applicant,
                    partner=partner,
                    displacement_status=DisplacementStatus.REFUGEE,
                    country_of_residence="JO",
                    case_number=f"DEMO-{n:03d}",
                    acting_user=applicant,
                )

    def _courses_and_verified_learner(self) -> None:
        admin = User.objects.get(email=f"admin@{DEMO_DOMAIN}")
        staff = User.objects.get(email=f"staff@{DEMO_DOMAIN}")
        partner = Partner.objects.get(slug=DEMO_PARTNER_SLUG)
        # Providers and courses are managed in the Django admin; the demo creates a few directly.
        provider, created = Provider.objects.get_or_create(
            slug="demo-open-university",
            defaults={
                "name": "Demo Open University",
                "website": "https://provider.example",
                "access_method": AccessMethod.VOUCHER,
            },
        )
        for n, (title, subject, language, level) in enumerate(
            [
                ("Introduction to programming", "Computing", "en", CourseLevel.BEGINNER),
                ("Arabic for business", "Languages", "ar", CourseLevel.INTERMEDIATE),
                ("Project management basics", "Business", "fr", CourseLevel.BEGINNER),
            ],
            start=1,
        ):
            Course.objects.get_or_create(
                provider=provider,
                external_id=f"DEMO-{n}",
                defaults={
                    "title": title,
                    "description": f"A demo course: {title.lower()}.",
                    "language": language,
                    "subject": subject,
                    "level": level,
                    "link": f"https://provider.example/courses/demo-{n}",
                },
            )
        if created:
            seat_allocation_set(partner=partner, provider=provider, total=10, acting_user=admin)
            codes = "\n".join(f"DEMO-CODE-{n:04d}" for n in range(1, 21)).encode()
            access_codes_import(
                provider=provider,
                csv_file=SimpleUploadedFile("codes.csv", codes, content_type="text/csv"),
                acting_user=admin,
            )
        verified = _demo_learner(f"verified@{DEMO_DOMAIN}", "Demo Verified Learner")
        if not Application.objects.filter(learner=verified).exists():
            application = application_submit(
                learner=verified,
                partner=partner,
                displacement_status=DisplacementStatus.REFUGEE,
                country_of_residence="JO",
                acting_user=verified,
            )
            application_decide(
                application=application, decision=Decision.APPROVE, acting_user=staff
            )

    def _completed_course_with_credential(self) -> Credential | None:
        """The verified learner has completed the first demo course and holds its credential.
        Through the services, as a real enrolment goes: request, access code, completion."""
        verified = User.objects.get(email=f"verified@{DEMO_DOMAIN}")
        course = Course.objects.get(provider__slug="demo-open-university", external_id="DEMO-1")
        enrolment = (
            Enrolment.objects.filter(learner=verified, course=course).order_by("-pk").first()
        )
        if enrolment is None:
            enrolment = enrolment_request(learner=verified, course=course, acting_user=verified)
        if enrolment.status in PENDING_ENROLMENT_STATUSES:
            # The provisioning job would do this after commit; the demo needs it now.
            enrolment = enrolment_provision(enrolment_id=enrolment.pk)
        if enrolment.status == EnrolmentStatus.ACTIVE:
            enrolment, _changed = completion_record(
                enrolment=enrolment,
                grade="Pass",
                source="demo",
                acting_user=User.objects.get(email=f"admin@{DEMO_DOMAIN}"),
            )
        return issuance.credential_issue(enrolment_id=enrolment.pk)
