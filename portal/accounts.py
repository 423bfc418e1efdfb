"""Writes to accounts: the User rows of the core and what django-allauth keeps for them (e-mail
addresses, sessions). The apps' use-cases (joining a partner's staff, registering a learner in
person, choosing a language, the operator's break-glass password) decide and audit; the row is
written here, so only the core writes the core's tables (docs/decisions/0017-layout.md).
Called inside the caller's transaction."""

from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Role, User


def account_create(
    *, email: str, role: Role, language: str, login_code: str | None, password: str
) -> User:
    """A new account that must replace `password` at its first sign-in
    (TemporaryPasswordMiddleware). Raises IntegrityError when the e-mail address or the login
    code was taken meanwhile (the unique indexes settle races), leaving the caller's transaction
    usable."""
    user = User(
        email=email,
        role=role,
        language=language,
        login_code=login_code,
        password_is_temporary=True,
    )
    user.set_password(password)
    with transaction.atomic():
        user.save()
    return user


def account_email_confirmed(*, user: User) -> EmailAddress | None:
    """The account's address, known to be the person's own without a confirmation e-mail.
    A placeholder (NO_EMAIL_DOMAIN) is nobody's address: no row, so allauth's e-mail pages never
    list it (the adapter's login stages do not ask to confirm it)."""
    if not user.has_real_email:
        account_placeholder_addresses_forget(user=user)
        return None
    return EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def account_placeholder_addresses_forget(*, user: User) -> None:
    """Drops the rows allauth keeps for a placeholder address (it adds one at sign-up)."""
    EmailAddress.objects.filter(user=user, email__iendswith="@" + settings.NO_EMAIL_DOMAIN).delete()
    addresses = getattr(user, "_emailaddress_cache", None)
    if addresses is not None:
        EmailAddress.objects.fill_cache_for_user(
            user, [a for a in addresses if not a.email.lower().endswith(settings.NO_EMAIL_DOMAIN)]
        )


def account_role_set(*, user: User, role: Role) -> None:
    user.role = role
    user.save(update_fields=["role"])


def account_language_set(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def account_password_set(*, user: User, password: str) -> None:
    """A password the person chose (or was told by the operator), not temporary; every session
    of the account ends."""
    user.set_password(password)
    user.password_is_temporary = False
    user.save(update_fields=["password", "password_is_temporary"])
    account_sessions_end(user=user)


def account_temporary_password_replace(*, user_id: int, password: str) -> bool:
    """A new one-time password, only for an account still waiting for its first sign-in with a
    temporary one. Conditional in the database: whatever reached the row first wins. Returns
    whether it was replaced."""
    return bool(
        User.objects.filter(
            pk=user_id, is_active=True, last_login__isnull=True, password_is_temporary=True
        ).update(password=make_password(password))
    )


def account_sessions_end(*, user: User) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in UserSession.objects.filter(user=user):
        store().delete(session.session_key)
    UserSession.objects.filter(user=user).delete()


def account_display(user) -> str:
    """How allauth names the signed-in person to themselves ("Successfully signed in as …"):
    their address, else their phone number, else their login code; never a placeholder."""
    if user.has_real_email:
        return user.email
    if user.phone:
        return user.phone
    if user.login_code:
        return f"{user.login_code[:4]}-{user.login_code[4:]}"
    return str(user)
