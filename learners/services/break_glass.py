"""The one way to set another account's password: the operator, on the command line
(`manage.py account_password_set`, docs/decisions/0014). No web page does this.

Refused for learners who have a partner (any application, assisted registrations included):
whoever could set such a learner's password could sign in as them and read their verification.
Such a learner recovers their account through their e-mail or phone, or through their partner
(which issues a new one-time password for the learners it registered in person).
"""

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from partners.models import Application
from portal.accounts import account_password_set
from portal.models import User
from portal.services import audit_record


class BreakGlassRefused(Exception):
    """The account may not have its password set by the operator."""


def break_glass_refusal(*, user: User) -> str | None:
    """Why this account's password may not be set by the operator, or None."""
    if user.is_learner and Application.objects.filter(learner=user).exists():
        return "this learner has a partner (an application): refused"
    if not user.is_active:
        return "this account is deactivated or erased: refused"
    return None


@transaction.atomic
def account_password_set_by_operator(*, user: User, password: str) -> None:
    """Set the password, end the account's sessions, and record it in the audit log (as done by
    the command line: no web actor)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    refusal = break_glass_refusal(user=user)
    if refusal:
        raise BreakGlassRefused(refusal)
    validate_password(password, user=user)
    account_password_set(user=user, password=password)
    audit_record(
        actor=None,
        action="user.password_set_by_operator",
        target=user,
        data={"via": "manage.py account_password_set", "role": user.role},
    )
