"""How to build each portal URL in the permission-matrix world."""

from django.urls import reverse

A = "partner-a"

KWARGS = {
    "portal:landing": lambda w: {},
    "portal:privacy": lambda w: {},
    "portal:home": lambda w: {},
    "healthz": lambda w: {},
    "set_language": lambda w: {},
    "learners:dashboard": lambda w: {},
    "learners:profile": lambda w: {},
    "learners:choose_partner": lambda w: {},
    "learners:apply": lambda w: {"slug": A},
    "learners:application_edit": lambda w: {"pk": w.application_a.pk},
    "learners:application_withdraw": lambda w: {"pk": w.application_a.pk},
    "learners:document_download": lambda w: {"pk": w.document_a.pk},
    "learners:join": lambda w: {"slug": A},
    "partners:partner_list": lambda w: {},
    "partners:partner_create": lambda w: {},
    "partners:partner_edit": lambda w: {"slug": A},
    "partners:partner_invite_coordinator": lambda w: {"slug": A},
    "partners:invitation_accept": lambda w: {"token": "matrix-invitation-token-for-partner-a"},
    "partners:team": lambda w: {"slug": A},
    "partners:staff_invite": lambda w: {"slug": A},
    "partners:staff_remove": lambda w: {"slug": A, "membership_id": w.membership_reviewer_a.pk},
    "partners:staff_role_change": lambda w: {
        "slug": A,
        "membership_id": w.membership_reviewer_a.pk,
    },
    "partners:staff_invitation_revoke": lambda w: {
        "slug": A,
        "invitation_id": w.invitation_a.pk,
    },
    "partners:api_keys": lambda w: {"slug": A},
    "partners:api_key_create": lambda w: {"slug": A},
    "partners:api_key_revoke": lambda w: {"slug": A, "key_id": w.api_key_a.pk},
    "partners:bulk_invitations": lambda w: {"slug": A},
    "partners:bulk_invitation_detail": lambda w: {"slug": A, "batch_id": w.batch_a.pk},
    "partners:staff_home": lambda w: {},
    "partners:queue": lambda w: {"slug": A},
    "partners:application": lambda w: {"slug": A, "pk": w.application_a.pk},
    "partners:decide": lambda w: {"slug": A, "pk": w.application_a.pk},
    "partners:document_download": lambda w: {"slug": A, "pk": w.document_a.pk},
    "assisted:register": lambda w: {"slug": A},
    "assisted:slip": lambda w: {"slug": A},
    "assisted:new_password": lambda w: {"slug": A, "user_id": w.assisted_learner.pk},
    "api:applications": lambda w: {},
    "api:application_detail": lambda w: {"pk": w.application_a.pk},
    "api:application_decision": lambda w: {"pk": w.application_a.pk},
    "api:schema": lambda w: {},
}


def url_for(name: str, world) -> str:
    return reverse(name, kwargs=KWARGS[name](world))
