"""The header's one navigation bar: which link is the current page's."""

from portal.navigation import Link, current_link

LINKS = [
    Link(label="About", url="/", url_name="portal:landing"),
    Link(
        label="Credentials", url="/staff/programme/credentials/", url_name="programme:credentials"
    ),
    Link(label="Enrolments", url="/staff/a/enrolments/", url_name="seats:enrolments"),
    Link(label="Enrol from a file", url="/staff/a/enrolments/bulk/", url_name="seats:bulk"),
]


def test_a_link_is_current_on_its_own_page():
    assert current_link(LINKS, "/staff/programme/credentials/").label == "Credentials"
    assert current_link(LINKS, "/").label == "About"


def test_a_page_inside_a_section_makes_the_sections_link_current():
    assert current_link(LINKS, "/staff/programme/credentials/7/revoke/").label == "Credentials"
    assert current_link(LINKS, "/staff/a/enrolments/3/revoke/").label == "Enrolments"


def test_the_longest_matching_link_wins():
    assert current_link(LINKS, "/staff/a/enrolments/bulk/2/").label == "Enrol from a file"


def test_the_home_page_link_is_current_only_on_the_home_page():
    assert current_link(LINKS, "/privacy/") is None
