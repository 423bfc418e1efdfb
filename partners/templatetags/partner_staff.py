"""The navigation of a partner's staff pages."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partners.permissions import can_coordinate
from portal.navigation import Link, current_link

register = template.Library()

STAFF = [
    (_("Applications"), "partners:queue"),
    (_("Register a learner in person"), "assisted:register"),
]
COORDINATORS = [
    (_("Seats"), "seats:usage"),
    (_("Enrolments"), "seats:enrolments"),
    (_("Enrol from a file"), "seats:bulk_enrolment"),
    (_("Team"), "partners:team"),
    (_("Invite learners"), "partners:bulk_invitations"),
    (_("API keys"), "partners:api_keys"),
    (_("Figures"), "reporting:partner_dashboard"),
]


@register.inclusion_tag("portal/partials/nav_links.html", takes_context=True)
def partner_staff_links(context, partner):
    """The header's links on a page of `partner`'s staff (base.html's nav_links block), in
    place of the role's main links: one navigation bar. Coordinators see their pages too; whether
    the user coordinates comes from the memberships the page's permission check already read."""
    user, path = context["user"], context["request"].path
    pages = STAFF + (COORDINATORS if can_coordinate(user, partner) else [])
    links = [
        Link(label=label, url=reverse(name, kwargs={"slug": partner.slug}), url_name=name)
        for label, name in pages
    ]
    if len(pages) > len(STAFF):
        links.append(Link(label=_("Exports"), url=reverse("reporting:exports"), url_name=""))
    return {"links": links, "current": current_link(links, path), "request": context["request"]}
