"""Partner organisations, created and edited by programme admins."""

from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import User
from portal.services import audit_record

from ..errors import TransitionNotAllowed
from ..models import Partner
from ..permissions import is_programme_admin

# Partner pages live at /staff/<slug>/...; these first path segments are taken by other pages
# (/staff/partners/ for admins, /staff/invitations/<token>/ for invited staff, /staff/programme/
# for programme pages), so no partner
# may use them as its slug.
RESERVED_SLUGS = frozenset({"partners", "invitations", "new", "admin", "api", "staff", "programme"})

EDITABLE_FIELDS = (
    "name",
    "slug",
    "countries",
    "contact_email",
    "contact_phone",
    "contact_details",
    "description",
    "verification_validity_days",
    "is_active",
)


def partner_slug_is_reserved(slug: str) -> bool:
    return (slug or "").strip().lower() in RESERVED_SLUGS


def _check(acting_user: User, slug: str) -> None:
    if not is_programme_admin(acting_user):
        raise TransitionNotAllowed(_("Only programme admins can manage partners."))
    if partner_slug_is_reserved(slug):
        raise TransitionNotAllowed(
            _("“%(slug)s” is used by the portal itself; please choose another short name.")
            % {"slug": slug},
            code="reserved_slug",
        )
    if (slug or "").strip() == "":
        raise TransitionNotAllowed(_("Please give a short name for links."), code="slug")


@transaction.atomic
def partner_create(
    *,
    name: str,
    slug: str,
    countries: list[str],
    contact_email: str = "",
    contact_phone: str = "",
    contact_details: str = "",
    description: str = "",
    verification_validity_days: int = 365,
    is_active: bool = True,
    acting_user: User,
) -> Partner:
    _check(acting_user, slug)
    partner = Partner(
        name=name.strip(),
        slug=slug.strip(),
        countries=list(countries),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        contact_details=contact_details.strip(),
        description=description.strip(),
        verification_validity_days=verification_validity_days,
        is_active=is_active,
    )
    partner.full_clean()
    partner.save()
    audit_record(
        actor=acting_user,
        action="partner.created",
        target=partner,
        partner_id=partner.pk,
        data={"active": is_active, "countries": len(partner.countries)},
    )
    return partner


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    name: str,
    slug: str,
    countries: list[str],
    contact_email: str,
    description: str,
    verification_validity_days: int,
    is_active: bool,
    contact_phone: str,
    contact_details: str,
    acting_user: User,
) -> Partner:
    """Changes the partner; the audit event names the fields that changed (not their values)."""
    _check(acting_user, slug)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    new_values = {
        "name": name.strip(),
        "slug": slug.strip(),
        "countries": list(countries),
        "contact_email": contact_email.strip(),
        "contact_phone": contact_phone.strip(),
        "contact_details": contact_details.strip(),
        "description": description.strip(),
        "verification_validity_days": verification_validity_days,
        "is_active": is_active,
    }
    changed = []
    for field, value in new_values.items():
        current = getattr(partner, field)
        if field == "countries":
            current = [c.code for c in current]
        if current != value:
            setattr(partner, field, value)
            changed.append(field)
    if not changed:
        return partner
    partner.full_clean()
    partner.save(update_fields=changed)
    audit_record(
        actor=acting_user,
        action="partner.updated",
        target=partner,
        partner_id=partner.pk,
        data={"fields": changed, **({"active": is_active} if "is_active" in changed else {})},
    )
    return partner
