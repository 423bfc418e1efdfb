"""The learner's credentials (list, share and download links, LinkedIn, hiding one from the
public page, the dashboard section) and the programme admins' credential list and revocation,
with the Django admin's read-only views of credentials, signing keys and status lists."""

import html
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from credentials.models import (
    Credential,
    CredentialStatus,
    EnrolmentStatus,
    IssuerKey,
    StatusList,
)
from credentials.selectors import CREDENTIALS_PAGE_SIZE
from credentials.services import issuance
from credentials.services.signing_keys import public_key_of_ours
from credentials.vc import proof
from credentials.vc.statuslist import is_set
from partners.models import StaffRole
from portal.models import AuditEvent
from tests.learners.test_dashboard import DASHBOARD_QUERIES

from .conftest import PARTNER_NAME, staff_of, verified_learner
from .factories import CourseFactory, EnrolmentFactory, ProviderFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://learn.example.org"
PROGRAMME_NAME = "Open Learning Programme"
LEARNER_EMAIL = "amal.haddad@example.org"
LEARNER_NAME = "Amal Haddad"
# Characters that must be encoded in a query string, and Arabic.
COURSE_TITLE = "Data & Society: أساسيات 100%"
PROVIDER_NAME = "Open Code Academy"

LIST_URL = reverse("learner_credentials:list")
DASHBOARD_URL = reverse("learners:dashboard")
ADMIN_LIST_URL = reverse("programme:credentials")


@pytest.fixture(autouse=True)
def _programme(settings):
    settings.SITE_URL = SITE_URL
    settings.PROGRAMME_NAME = PROGRAMME_NAME


def issue(learner, partner, *, title: str | None = None, provider=None, when=None) -> Credential:
    """A credential for `learner` for a course they completed (issued directly, without the
    completion signal)."""
    course_kwargs = {"title": title} if title else {}
    course = CourseFactory(provider=provider or ProviderFactory(), **course_kwargs)
    enrolment = EnrolmentFactory(
        learner=learner,
        partner=partner,
        course=course,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )
    credential = issuance.credential_issue(enrolment_id=enrolment.pk)
    if when is not None:
        Credential.objects.filter(pk=credential.pk).update(issued_at=when)
        credential.refresh_from_db()
    return credential


@pytest.fixture
def learner(partner):
    return verified_learner(partner, email=LEARNER_EMAIL, name=LEARNER_NAME)


@pytest.fixture
def credential(learner, partner):
    return issue(learner, partner, title=COURSE_TITLE, provider=ProviderFactory(name=PROVIDER_NAME))


def page_html(client, user, url: str = LIST_URL, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def hrefs(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def visibility_url(credential) -> str:
    return reverse("learner_credentials:visibility", args=[credential.pk])


def revoke_url(credential) -> str:
    return reverse("programme:credential_revoke", args=[credential.pk])


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- the learner's list --------------------------------------------------------------------------


def test_learner_sees_only_their_own_credentials_newest_first(client, learner, partner):
    now = timezone.now()
    issue(learner, partner, title="Older course", when=now - timezone.timedelta(days=30))
    issue(learner, partner, title="Newer course", when=now)
    issue(verified_learner(partner), partner, title="Somebody else's course")

    page = page_html(client, learner)

    assert page.index("Newer course") < page.index("Older course")
    assert "Somebody else" not in page
    assert page.count("<article") == 2


def test_each_credential_shows_course_provider_date_status_and_share_link(
    client, learner, credential
):
    page = page_html(client, learner)
    share_url = f"{SITE_URL}/verify/{credential.code}/"

    assert html.escape(COURSE_TITLE) in page
    assert PROVIDER_NAME in page
    assert f'datetime="{credential.issued_at.isoformat()}"' in page
    assert "Valid" in page
    assert f'<code dir="ltr" class="user-select-all text-break d-block">{share_url}</code>' in page
    links = hrefs(page)
    assert share_url in links
    assert f"/verify/{credential.code}/credential.json?download=1" in links
    assert [link for link in links if "certificate.pdf" in link] == [
        f"/verify/{credential.code}/certificate.pdf?lang=en"
    ]


def test_add_to_linkedin_link_is_filled_in_and_encoded(client, learner, credential):
    page = page_html(client, learner)
    [linkedin] = [link for link in hrefs(page) if link.startswith("https://www.linkedin.com/")]
    issued = timezone.localtime(credential.issued_at)

    parts = urlsplit(linkedin)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    # Every reserved character of the title arrives as itself: nothing was cut at "&" or "%".
    assert parse_qs(parts.query, strict_parsing=True) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": [COURSE_TITLE],
        "organizationName": [PROGRAMME_NAME],
        "issueYear": [str(issued.year)],
        "issueMonth": [str(issued.month)],
        "certUrl": [f"{SITE_URL}/verify/{credential.code}/"],
        "certId": [credential.code],
    }
    anchor = re.search(r'<a [^>]*href="https://www\.linkedin\.com/[^"]*"[^>]*>', page).group(0)
    assert 'rel="noopener noreferrer"' in anchor


def test_learner_in_arabic_gets_the_certificate_in_arabic_and_in_english(client, partner):
    learner = verified_learner(partner, name="أمل حداد", language="ar")
    credential = issue(learner, partner, title=COURSE_TITLE)
    client.cookies["django_language"] = "ar"

    page = page_html(client, learner)

    links = [link for link in hrefs(page) if "certificate.pdf" in link]
    assert links == [
        f"/verify/{credential.code}/certificate.pdf?lang=ar",
        f"/verify/{credential.code}/certificate.pdf?lang=en",
    ]
    with translation.override("ar"):
        for code in ("ar", "en"):
            name = translation.get_language_info(code)["name_translated"]
            text = gettext("Download the certificate (PDF, %(language)s)") % {"language": name}
            assert f'hreflang="{code}" type="application/pdf">{text}</a>' in page


def share_hrefs(page: str) -> dict[str, str]:
    links = hrefs(page)
    return {
        "whatsapp": next(link for link in links if link.startswith("https://wa.me/?text=")),
        "sms": next(link for link in links if link.startswith("sms:?&body=")),
        "email": next(link for link in links if link.startswith("mailto:?subject=")),
    }


@pytest.mark.parametrize("language", ["en", "ar", "fa", "fr", "uk", "es"])
def test_share_links_carry_the_public_address_in_the_learners_language(client, partner, language):
    learner = verified_learner(partner, email=LEARNER_EMAIL, name=LEARNER_NAME, language=language)
    credential = issue(
        learner, partner, title=COURSE_TITLE, provider=ProviderFactory(name=PROVIDER_NAME)
    )
    client.cookies["django_language"] = language

    page = page_html(client, learner)

    links = share_hrefs(page)
    url = f"{SITE_URL}/verify/{credential.code}/"
    with translation.override(language):
        expected = gettext(
            "Certificate of completion for the course “%(course)s” (%(provider)s), issued by "
            "%(issuer)s. Anyone can check it here: %(url)s"
        ) % {
            "course": COURSE_TITLE,
            "provider": PROVIDER_NAME,
            "issuer": PROGRAMME_NAME,
            "url": url,
        }
        subject = gettext("Certificate: %(course)s") % {"course": COURSE_TITLE}
    whatsapp = urlsplit(links["whatsapp"])
    assert (whatsapp.scheme, whatsapp.netloc, whatsapp.path) == ("https", "wa.me", "/")
    assert parse_qs(whatsapp.query, strict_parsing=True) == {"text": [expected]}
    assert unquote(links["sms"].removeprefix("sms:?&body=")) == expected
    email = urlsplit(links["email"])
    assert email.path == ""
    assert parse_qs(email.query, strict_parsing=True) == {"subject": [subject], "body": [expected]}
    # The course title's "&" and "%" are encoded: nothing was cut short.
    assert "&" not in links["sms"].removeprefix("sms:?&body=")
    for href in links.values():
        assert " " not in href
        assert LEARNER_NAME.split()[0] not in unquote(href)
        assert LEARNER_EMAIL not in unquote(href)
        assert PARTNER_NAME not in unquote(href)
        anchor = re.search(rf'<a [^>]*href="{re.escape(html.escape(href))}"[^>]*>', page).group(0)
        assert 'rel="noopener noreferrer"' in anchor
    assert "<script" not in page


def test_revoked_credential_says_so_with_the_date_and_offers_nothing_to_share(
    client, learner, credential, programme_admin
):
    issuance.credential_revoke(
        credential=credential, reason="Reported in error", acting_user=programme_admin
    )
    credential.refresh_from_db()

    page = page_html(client, learner)

    revoked_on = date_format(timezone.localtime(credential.revoked_at), "DATE_FORMAT")
    assert f"This credential was revoked on {revoked_on}." in page
    assert "Reported in error" in page
    assert not [link for link in hrefs(page) if credential.code in link]


def test_learner_without_credentials_is_told_when_they_appear(client, learner):
    page = page_html(client, learner)
    assert "When you complete a course, its credential appears here" in page
    assert "<article" not in page


def test_staff_and_admins_get_404_on_the_learner_credentials_page(client, partner, programme_admin):
    for user in (staff_of(partner, StaffRole.COORDINATOR), programme_admin):
        client.force_login(user)
        assert client.get(LIST_URL).status_code == 404


# --- hiding and showing --------------------------------------------------------------------------


def test_hiding_a_credential_hides_it_from_the_public_page_and_is_audited(
    client, learner, credential
):
    client.force_login(learner)

    response = client.post(visibility_url(credential), {"public": "0"}, follow=True)

    credential.refresh_from_db()
    assert credential.is_public is False
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "is hidden" in messages_of(response)
    assert AuditEvent.objects.filter(
        action="credential.hidden", actor=learner, object_id=str(credential.pk)
    ).exists()
    page = response.content.decode()
    assert "shows “not found” to everyone else" in page
    assert "stays valid" in page
    assert "Show on the public page" in page
    # Neither the share link nor LinkedIn while hidden.
    assert not [link for link in hrefs(page) if credential.code in link]
    assert "linkedin.com" not in page
    assert Client().get(reverse("verify:credential", args=[credential.code])).status_code == 404


def test_showing_a_hidden_credential_again_is_audited(client, learner, credential):
    issuance.credential_visibility_set(credential=credential, learner=learner, public=False)
    client.force_login(learner)

    response = client.post(visibility_url(credential), {"public": "1"}, follow=True)

    credential.refresh_from_db()
    assert credential.is_public is True
    assert "shown on the public page again" in messages_of(response)
    assert AuditEvent.objects.filter(
        action="credential.shown", actor=learner, object_id=str(credential.pk)
    ).exists()
    assert "Hide from the public page" in response.content.decode()


def test_learner_cannot_hide_someone_elses_credential(client, partner, credential):
    other = verified_learner(partner)
    client.force_login(other)

    response = client.post(visibility_url(credential), {"public": "0"})

    assert response.status_code == 404
    credential.refresh_from_db()
    assert credential.is_public is True
    assert not AuditEvent.objects.filter(action="credential.hidden").exists()


def test_visibility_only_takes_a_post(client, learner, credential):
    client.force_login(learner)
    assert client.get(visibility_url(credential)).status_code == 405


def test_visibility_with_a_strange_value_changes_nothing(client, learner, credential):
    client.force_login(learner)
    response = client.post(visibility_url(credential), {"public": "maybe"}, follow=True)
    credential.refresh_from_db()
    assert credential.is_public is True
    assert "Nothing was changed" in messages_of(response)


# --- the dashboard -------------------------------------------------------------------------------


def test_dashboard_lists_the_three_latest_credentials_with_share_links(client, learner, partner):
    now = timezone.now()
    made = [
        issue(learner, partner, title=f"Course number {n}", when=now - timezone.timedelta(days=n))
        for n in range(4)
    ]

    page = page_html(client, learner, DASHBOARD_URL)
    section = page.split('id="credentials-heading"', 1)[1].split("</section>", 1)[0]

    for credential in made[:3]:
        assert credential.course.title in section
        assert f"{SITE_URL}/verify/{credential.code}/" in section
    assert made[3].course.title not in section
    assert LIST_URL in hrefs(section)


def test_dashboard_has_no_credentials_section_before_the_first_one(client, learner):
    assert 'id="credentials-heading"' not in page_html(client, learner, DASHBOARD_URL)


# Ours: the learner's credentials with course and provider (1). The rest is the session and the
# user (2) — the same on every page (the session's activity is recorded once a minute at most).
LIST_QUERIES = 3


@pytest.mark.parametrize("size", [1, 10])
def test_learner_pages_cost_the_same_number_of_queries_with_one_or_ten_credentials(
    client, django_assert_num_queries, learner, partner, size
):
    provider = ProviderFactory()
    for n in range(size):
        issue(learner, partner, title=f"Course {n}", provider=provider)
    client.force_login(learner)
    client.get(LIST_URL)  # the session's first use records the device once

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)
    assert response.content.decode().count("<article") == size

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD_URL)
    section = response.content.decode().split('id="credentials-heading"', 1)[1]
    assert section.split("</section>", 1)[0].count("list-group-item") == min(size, 3)


# --- programme admins: the list ------------------------------------------------------------------


def admin_rows(page: str) -> int:
    return page.count("<tr>") - 1  # minus the heading row


def test_admin_list_shows_code_prefix_course_provider_and_status_but_no_learner(
    client, programme_admin, learner, partner, credential
):
    page = page_html(client, programme_admin, ADMIN_LIST_URL)

    assert f"{credential.code[:8]}…" in page
    assert credential.code not in page
    assert html.escape(COURSE_TITLE) in page
    assert PROVIDER_NAME in page

    # The course of a credential the learner hid is not shown either (nor on its revoke page).
    issuance.credential_visibility_set(credential=credential, learner=learner, public=False)
    for url in (ADMIN_LIST_URL, revoke_url(credential)):
        hidden = page_html(client, programme_admin, url)
        assert html.escape(COURSE_TITLE) not in hidden
        assert "hidden by the learner" in hidden
    for personal in (LEARNER_NAME, LEARNER_EMAIL, PARTNER_NAME, learner.email):
        assert personal not in page
    assert revoke_url(credential) in hrefs(page)


def test_admin_list_filters_by_status(client, programme_admin, learner, partner, credential):
    kept = issue(learner, partner, title="Kept course")
    issuance.credential_revoke(credential=credential, reason="x", acting_user=programme_admin)

    revoked = page_html(client, programme_admin, ADMIN_LIST_URL, status="revoked")
    issued = page_html(client, programme_admin, ADMIN_LIST_URL, status="issued")
    everything = page_html(client, programme_admin, ADMIN_LIST_URL)

    assert credential.code[:8] in revoked and kept.code[:8] not in revoked
    assert kept.code[:8] in issued and credential.code[:8] not in issued
    assert admin_rows(everything) == 2
    # The status tabs count nothing: an exact count of credentials (people) by status would
    # sit next to the dashboards' protected one (reporting/suppression.py).
    tabs = everything.split('aria-label="Credential status"')[1].split("</nav>")[0]
    assert "badge" not in tabs
    assert not re.search(r"\d", re.sub(r"<[^>]+>", "", tabs.split(">", 1)[1]))


@pytest.mark.parametrize(
    "pasted",
    [
        "{code}",
        "  {code}  ",
        SITE_URL + "/verify/{code}/",
        SITE_URL + "/verify/{code}/credential.json?download=1",
        "http://other.example/verify/{code}/certificate.pdf",
    ],
)
def test_admin_finds_a_credential_by_its_code_or_its_link(
    client, programme_admin, learner, partner, credential, pasted
):
    other = issue(learner, partner, title="Another course")

    page = page_html(client, programme_admin, ADMIN_LIST_URL, q=pasted.format(code=credential.code))

    assert admin_rows(page) == 1
    assert credential.code[:8] in page
    assert other.code[:8] not in page


def test_admin_search_with_an_unknown_code_finds_nothing(client, programme_admin, credential):
    page = page_html(client, programme_admin, ADMIN_LIST_URL, q="A" * 27)
    assert "No credential has this code" in page
    assert "<table" not in page


def test_admin_search_with_something_that_is_not_a_code_says_so(
    client, programme_admin, credential
):
    page = page_html(client, programme_admin, ADMIN_LIST_URL, q="Amal Haddad")
    assert "This is not a verification code or a verification link." in page
    assert "<table" not in page


def test_admin_list_is_paginated(client, programme_admin, learner, partner, monkeypatch):
    monkeypatch.setattr("credentials.selectors.CREDENTIALS_PAGE_SIZE", 2)
    for n in range(3):
        issue(learner, partner, title=f"Paged course {n}")

    first = page_html(client, programme_admin, ADMIN_LIST_URL)
    second = page_html(client, programme_admin, ADMIN_LIST_URL, page=2)

    assert admin_rows(first) == 2 and admin_rows(second) == 1
    assert "Page 1 of 2" in first


def test_admin_list_pages_hold_fifty_credentials():
    assert CREDENTIALS_PAGE_SIZE == 50


# Ours: the page's count, the page (2; no counts by status: credentials are people). The rest is
# the session, the user and the admin's MFA check (3), as on every page (the session's activity:
# once a minute at most).
ADMIN_LIST_QUERIES = 5


@pytest.mark.parametrize("size", [1, 10])
def test_admin_list_costs_the_same_number_of_queries_with_one_or_ten_credentials(
    client, django_assert_num_queries, programme_admin, partner, size
):
    provider = ProviderFactory()
    for _ in range(size):
        issue(verified_learner(partner), partner, provider=provider)
    client.force_login(programme_admin)
    client.get(ADMIN_LIST_URL)  # the session's first use records the device once

    with django_assert_num_queries(ADMIN_LIST_QUERIES):
        response = client.get(ADMIN_LIST_URL)
    assert admin_rows(response.content.decode()) == size


@pytest.mark.parametrize("url_name", ["programme:credentials", "programme:credential_revoke"])
def test_everyone_but_programme_admins_gets_404_on_the_admin_pages(
    client, partner, learner, credential, url_name
):
    url = reverse(url_name, args=[credential.pk] if url_name.endswith("revoke") else [])
    for user in (
        learner,
        staff_of(partner, StaffRole.COORDINATOR),
        staff_of(partner, StaffRole.REVIEWER),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404
        if url_name == "programme:credential_revoke":
            assert client.post(url, {"reason": "x"}).status_code == 404
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED


# --- programme admins: revoking ------------------------------------------------------------------


def test_revoke_page_shows_the_credential_without_its_name_or_whole_code_and_a_reason_box(
    client, programme_admin, credential
):
    """No name, and only the code's prefix: the whole code opens the public page with the name,
    and the audit log's pseudonym must not be one page away from a name (decision 0014)."""
    page = page_html(client, programme_admin, revoke_url(credential))
    assert LEARNER_NAME not in page
    assert credential.code not in page and f"{credential.code[:8]}…" in page
    assert html.escape(COURSE_TITLE) in page
    assert PROVIDER_NAME in page
    assert LEARNER_EMAIL not in page and PARTNER_NAME not in page
    assert 'name="reason"' in page


def test_revoking_needs_a_reason(client, programme_admin, credential):
    client.force_login(programme_admin)
    response = client.post(revoke_url(credential), {"reason": "   "})
    assert response.status_code == 200
    assert "Please give the reason for revoking." in response.content.decode()
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED


def test_revoking_marks_the_credential_and_re_signs_its_status_list(
    client, programme_admin, credential
):
    client.force_login(programme_admin)

    response = client.post(
        revoke_url(credential), {"reason": "  Completion reported   in error  "}, follow=True
    )

    assert response.redirect_chain == [(ADMIN_LIST_URL, 302)]
    assert "Credential revoked: the public page now shows it as revoked." in messages_of(response)
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    assert credential.revocation_reason == "Completion reported in error"
    assert credential.revoked_by == programme_admin
    document = json.loads(StatusList.objects.get(pk=credential.status_list_id).document)
    assert is_set(document["credentialSubject"]["encodedList"], credential.status_index)
    assert proof.verify(document, public_key_of_ours)  # signed by our did:web's current key
    event = AuditEvent.objects.get(action="credential.revoked", object_id=str(credential.pk))
    assert event.actor == programme_admin
    assert event.data == {"reason": "Completion reported in error"}


def test_revoke_page_of_a_revoked_credential_shows_when_and_why_and_no_form(
    client, programme_admin, credential
):
    issuance.credential_revoke(
        credential=credential, reason="Provider withdrew it", acting_user=programme_admin
    )
    credential.refresh_from_db()

    page = page_html(client, programme_admin, revoke_url(credential))

    assert "This credential was revoked on" in page
    assert "Provider withdrew it" in page
    assert 'name="reason"' not in page


def test_revoking_twice_is_refused_with_a_message(client, programme_admin, credential):
    issuance.credential_revoke(credential=credential, reason="First", acting_user=programme_admin)
    client.force_login(programme_admin)

    response = client.post(revoke_url(credential), {"reason": "Second"})

    assert response.status_code == 200
    assert "This credential is already revoked." in response.content.decode()
    credential.refresh_from_db()
    assert credential.revocation_reason == "First"
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 1


# --- Django admin (read-only) ---------------------------------------------------------------------


def test_django_admin_lists_credentials_read_only_and_without_names(
    client, programme_admin, learner, credential
):
    client.force_login(programme_admin)

    changelist = client.get(reverse("admin:credentials_credential_changelist"))
    page = changelist.content.decode()
    assert changelist.status_code == 200
    assert f"{credential.code[:8]}…" in page
    assert LEARNER_NAME not in page and LEARNER_EMAIL not in page
    assert client.get(reverse("admin:credentials_credential_add")).status_code == 403
    detail = client.get(reverse("admin:credentials_credential_change", args=[credential.pk]))
    assert detail.status_code == 200
    assert LEARNER_EMAIL not in detail.content.decode()
    assert revoke_url(credential) in detail.content.decode()
    delete = reverse("admin:credentials_credential_delete", args=[credential.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_django_admin_never_shows_a_signing_keys_private_part(client, programme_admin, credential):
    key = IssuerKey.objects.get()
    assert key.private_key_encrypted  # generated on this machine, so stored encrypted
    client.force_login(programme_admin)
    for url in (
        reverse("admin:credentials_issuerkey_changelist"),
        reverse("admin:credentials_issuerkey_change", args=[key.pk]),
    ):
        page = client.get(url).content.decode()
        assert key.did in page
        assert key.private_key_encrypted not in page
    assert client.get(reverse("admin:credentials_issuerkey_add")).status_code == 403


def test_django_admin_shows_status_lists_read_only(client, programme_admin, credential):
    client.force_login(programme_admin)
    page = client.get(reverse("admin:credentials_statuslist_changelist")).content.decode()
    assert str(credential.status_list.length) in page.replace(",", "")
    assert client.get(reverse("admin:credentials_statuslist_add")).status_code == 403
