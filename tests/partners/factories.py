import factory
from django.utils import timezone

from partners.models import (
    Application,
    ApplicationStatus,
    DisplacementStatus,
    Membership,
    Partner,
    StaffRole,
)
from tests.portal.factories import LearnerFactory, PartnerStaffFactory


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    countries = ["JO", "LB"]
    contact_email = factory.Sequence(lambda n: f"contact{n}@ngo.example")
    description = "Helps refugees study."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(PartnerStaffFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = StaffRole.REVIEWER


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    learner = factory.SubFactory(LearnerFactory)
    partner = factory.SubFactory(PartnerFactory)
    status = ApplicationStatus.SUBMITTED
    displacement_status = DisplacementStatus.REFUGEE
    country_of_residence = "JO"
    submitted_at = factory.LazyFunction(timezone.now)
