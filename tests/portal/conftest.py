import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from .factories import LearnerFactory, PartnerStaffFactory, ProgrammeAdminFactory


def give_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def learner(db):
    return LearnerFactory()


@pytest.fixture
def staff_with_mfa(db):
    user = PartnerStaffFactory()
    give_totp(user)
    return user


@pytest.fixture
def admin_with_mfa(db):
    user = ProgrammeAdminFactory()
    give_totp(user)
    return user
