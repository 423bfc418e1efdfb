import factory

from credentials.models import (
    AccessCode,
    AccessMethod,
    Course,
    CourseLevel,
    Enrolment,
    EnrolmentStatus,
    Provider,
    SeatAllocation,
)
from tests.partners.factories import PartnerFactory
from tests.portal.factories import LearnerFactory


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.Sequence(lambda n: f"provider-{n}")
    website = "https://provider.example"
    access_method = AccessMethod.VOUCHER


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    provider = factory.SubFactory(ProviderFactory)
    external_id = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    description = "Learn something useful."
    language = "en"
    subject = "Computing"
    level = CourseLevel.BEGINNER
    link = "https://provider.example/course"


class SeatAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeatAllocation

    partner = factory.SubFactory(PartnerFactory)
    provider = factory.SubFactory(ProviderFactory)
    total = 10


class AccessCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessCode

    provider = factory.SubFactory(ProviderFactory)
    code = factory.Sequence(lambda n: f"CODE-{n:05d}")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    learner = factory.SubFactory(LearnerFactory)
    course = factory.SubFactory(CourseFactory)
    partner = factory.SubFactory(PartnerFactory)
    status = EnrolmentStatus.ACTIVE
