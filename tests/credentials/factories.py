from datetime import timedelta

import factory
from django.utils import timezone

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
from partners.models import Application, ApplicationStatus
from tests.partners.factories import ApplicationFactory, PartnerFactory
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


class VerifiedEnrolmentFactory(EnrolmentFactory):
    """An enrolment as the portal makes them: its learner is verified by the enrolment's partner
    (an approved application, unless they already have one), so the partner's coordinators can
    reach them (partners/reach.py)."""

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and not Application.objects.filter(learner=obj.learner).exists():
            ApplicationFactory(
                learner=obj.learner,
                partner=obj.partner,
                status=ApplicationStatus.APPROVED,
                decided_at=timezone.now(),
                verified_until=timezone.localdate() + timedelta(days=365),
            )
