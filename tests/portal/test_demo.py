import pytest
from django.core.management import CommandError, call_command

from credentials.models import AccessCode, Course, Credential, EnrolmentStatus, SeatAllocation
from credentials.services import issuance
from partners.models import Application
from portal.models import Role, User
from reporting.models import RefreshState, SummaryCount

from .conftest import give_totp
from .factories import PartnerStaffFactory


@pytest.mark.django_db
def test_seed_demo_creates_one_account_per_role_and_can_run_twice(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    users = {u.email: u for u in User.objects.filter(email__endswith="@demo.example.org")}
    assert {u.role for u in users.values()} == {
        Role.LEARNER,
        Role.PARTNER_STAFF,
        Role.PROGRAMME_ADMIN,
    }
    assert len(users) == 3 + 3 + 1  # one per role, three applicants, one verified learner
    demo = Application.objects.filter(partner__slug="demo-refugee-support")
    assert demo.filter(status="submitted").count() == 3
    assert demo.filter(status="approved", learner__email="verified@demo.example.org").exists()
    assert Course.objects.filter(provider__slug="demo-open-university").count() == 3
    assert AccessCode.objects.filter(provider__slug="demo-open-university").count() == 20
    out = capsys.readouterr().out
    assert "staff@demo.example.org" in out and "demo_totp" in out


@pytest.mark.django_db
def test_seed_demo_issues_one_credential_and_prints_its_verification_link(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    credential = Credential.objects.get()
    link = issuance.verification_url(credential.code)
    assert "/verify/" in link
    assert link in first and link in second
    assert credential.learner.email == "verified@demo.example.org"
    assert credential.enrolment.status == EnrolmentStatus.COMPLETED
    assert credential.enrolment.access_code is not None  # enrolled as a learner would be
    assert SeatAllocation.objects.get(provider__slug="demo-open-university").used == 1
    check = issuance.credential_check(credential)
    assert (check.state, check.subject_name, check.course, check.provider) == (
        "valid",
        "Demo Verified Learner",
        "Introduction to programming",
        "Demo Open University",
    )


@pytest.mark.django_db
def test_demo_staff_signs_in_with_the_printed_code(client, capsys):
    call_command("seed_demo")
    response = client.post(
        "/accounts/login/",
        {"login": "staff@demo.example.org", "password": "demo-portal-passphrase"},
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    capsys.readouterr()
    call_command("demo_totp", "staff@demo.example.org")
    code = capsys.readouterr().out.split()[1]
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    queue = client.get("/home/", follow=True)
    assert queue.request["PATH_INFO"] == "/staff/demo-refugee-support/applications/"
    assert queue.status_code == 200
    assert "applicant1@demo.example.org" in queue.content.decode()


@pytest.mark.django_db
def test_demo_totp_refuses_real_accounts(db):
    user = PartnerStaffFactory(email="real.staff@ngo.example")
    give_totp(user)
    with pytest.raises(CommandError, match="Only the demo accounts"):
        call_command("demo_totp", "real.staff@ngo.example")


@pytest.mark.django_db
def test_seed_demo_leaves_the_dashboards_with_figures():
    """`make run` serves the dashboards right after seeding: the roll-ups are built then, not
    15 minutes later at the first scheduled refresh."""
    call_command("seed_demo")
    state = RefreshState.objects.get(pk=1)
    assert state.refreshed_at is not None
    assert SummaryCount.objects.exists()


@pytest.mark.django_db
def test_seed_demo_prints_a_wallet_offer_link_beside_the_verification_link(capsys):
    from credentials.models import WalletOffer

    call_command("seed_demo")
    out = capsys.readouterr().out
    credential = Credential.objects.get()
    verify_at = out.index(issuance.verification_url(credential.code))
    offer_at = out.index("openid-credential-offer://?credential_offer_uri=")
    assert offer_at > verify_at
    assert WalletOffer.objects.filter(credential=credential).count() == 1
