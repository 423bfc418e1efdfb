import factory
from allauth.account.models import EmailAddress

from portal.admin_access import programme_admin_group
from portal.models import Role, User

PASSWORD = "a-long-test-passphrase-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    role = Role.LEARNER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class LearnerFactory(UserFactory):
    role = Role.LEARNER


class PartnerStaffFactory(UserFactory):
    role = Role.PARTNER_STAFF


class ProgrammeAdminFactory(UserFactory):
    """A programme admin as the portal makes them: staff, in the "Programme admins" group,
    never a superuser (docs/decisions/0014)."""

    role = Role.PROGRAMME_ADMIN
    is_staff = True
    is_superuser = False

    @factory.post_generation
    def programme_admins_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(programme_admin_group())


class OperatorFactory(UserFactory):
    """The operator's superuser, as `createsuperuser` makes it."""

    role = Role.OPERATOR
    is_staff = True
    is_superuser = True
