"""What each role sees in the navigation and on the home page."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import User


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    url_name: str


def _link(label, url_name: str) -> Link:
    return Link(label=label, url=reverse(url_name), url_name=url_name)


def main_links(user: User) -> list[Link]:
    """The top navigation, by role. Later apps add their pages here."""
    if not user.is_authenticated:
        return [
            _link(_("About"), "portal:landing"),
            _link(_("Courses"), "courses:catalogue"),
            _link(_("Privacy"), "portal:privacy"),
        ]
    if user.is_learner:
        return [
            _link(_("My learning"), "learners:dashboard"),
            _link(_("Courses"), "courses:catalogue"),
            _link(_("My credentials"), "learner_credentials:list"),
            _link(_("My profile"), "learners:profile"),
        ]
    if user.is_partner_staff:
        return [_link(_("Review"), "staff:home")]
    links = [_link(_("Home"), "portal:home")]
    if user.is_programme_admin:
        # The programme's pages: the one navigation bar of every page an admin opens.
        links += [
            _link(_("Figures"), "reporting:programme_dashboard"),
            _link(_("Partners"), "programme:partner_list"),
            _link(_("Seats"), "programme:allocations"),
            _link(_("Access codes"), "programme:codes"),
            _link(_("Completions"), "programme:completions_import"),
            _link(_("Credentials"), "programme:credentials"),
            _link(_("Provider API keys"), "programme:provider_keys"),
            _link(_("Exports"), "reporting:exports"),
            _link(_("Providers and courses"), "admin:credentials_course_changelist"),
        ]
    if user.is_staff:
        links.append(_link(_("Administration"), "admin:index"))
    return links


def current_link(links: list[Link], path: str) -> Link | None:
    """The link of the page at `path`, or of the section it belongs to (the longest link that
    starts it: a credential's page belongs to Credentials). "/" is only the home page's."""
    section = [
        link
        for link in links
        if path == link.url or (link.url != "/" and path.startswith(link.url))
    ]
    return max(section, key=lambda link: len(link.url), default=None)


def account_links(user: User) -> list[Link]:
    links = [
        _link(_("E-mail addresses"), "account_email"),
        _link(_("Change password"), "account_change_password"),
        _link(_("Two-factor authentication"), "mfa_index"),
        _link(_("Signed-in devices"), "usersessions_list"),
    ]
    return links
