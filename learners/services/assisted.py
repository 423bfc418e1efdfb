"""Assisted registration: partner staff register a learner they met in person.

The person may have no e-mail address (or no phone of their own), so they get a login code and a
one-time password on a printed slip; at the first sign-in they choose their own password. The
partner has seen them, so the application is submitted and approved in the same step.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from partners.errors import TransitionNotAllowed
from partners.models import Application, ApplicationStatus, Partner
from partners.permissions import can_review_for
from partners.reach import learners_in_reach
from partners.services.applications import Decision, application_decide, application_submit
from portal.accounts import (
    account_create,
    account_email_confirmed,
    account_temporary_password_replace,
)
from portal.crypto import encrypt_text
from portal.models import Role, User
from portal.services import audit_record

from .assisted_contact import (
    CONFIRMATION_CODE_ATTEMPTS,
    confirmation_code_generate,
    email_check_typed,
    email_owner_id,
    owner_notify,
    pending_registration_code_matches,
    pending_registration_create,
    pending_registration_details,
    pending_registration_for_token,
    phone_owner_id,
)
from .profiles import PRIVACY_NOTICE_VERSION, learner_profile_save

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
LOGIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LOGIN_CODE_LENGTH = 8
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet)
PASSWORD_LENGTH = 12
_CODE_ATTEMPTS = 10

# A verification that came from an in-person registration. Expired ones count: the person still
# needs to sign in to renew. This only says the partner registered them; whether its staff may
# still reach them is partners/reach.py (their current application is with the partner), and
# whether a one-time password may be issued is learner_password_resettable().
_RESETTABLE_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.EXPIRED)


def login_code_generate() -> str:
    return "".join(secrets.choice(LOGIN_CODE_ALPHABET) for _i in range(LOGIN_CODE_LENGTH))


def login_code_display(code: str) -> str:
    """XXXX-XXXX, easier to read aloud and copy; the sign-in form ignores the dash."""
    return f"{code[:4]}-{code[4:]}" if code and len(code) == LOGIN_CODE_LENGTH else code or ""


def one_time_password_generate() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_LENGTH))


def _create_user_with_code(*, email: str, language: str, password: str) -> User | None:
    """A learner account with a fresh unique login code; the unique index settles races (None:
    the address has just been taken by someone else)."""
    for _attempt in range(_CODE_ATTEMPTS):
        code = login_code_generate()
        if User.objects.filter(login_code=code).exists():
            continue
        try:
            # They must replace the password at their first sign-in.
            user = account_create(
                email=email or f"{code.lower()}@{settings.NO_EMAIL_DOMAIN}",
                role=Role.LEARNER,
                language=language,
                login_code=code,
                password=password,
            )
        except IntegrityError:
            if email and email_owner_id(email) is not None:
                return None  # the address was taken at the same moment: as if it had been before
            continue  # the same code was taken at the same moment: draw again
        return user
    raise RuntimeError("Could not draw an unused login code.")  # pragma: no cover


@transaction.atomic
def learner_register_assisted(
    *,
    partner: Partner,
    display_name: str,
    language: str,
    country_of_residence: str,
    displacement_status: str,
    email: str = "",
    phone: str = "",
    case_number: str = "",
    acting_user: User,
) -> tuple[User | None, str]:
    """Register someone a partner met in person.

    Without an e-mail address: creates a verified learner and returns them with their one-time
    password (plaintext, to print once on the slip; never stored). With one: returns (None,
    confirmation code) whether or not the address already has an account — the staff member
    must not learn which (docs/decisions/0015), so a code is drawn for every address. For a free
    address the registration waits for the person to open the link e-mailed to them and enter
    the code staff handed them (`learner_register_assisted_confirm`); for a taken one the code
    matches nothing, the owner is told instead (at most once a day), and nothing is created or
    changed.
    """
    if not can_review_for(acting_user, partner):
        raise TransitionNotAllowed(_("Only this organisation's staff can register learners."))
    if not partner.is_active:
        raise TransitionNotAllowed(_("This organisation is not taking applications."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the portal's languages.")})
    # Stored lower-case, as allauth stores the addresses of people who sign up themselves.
    email = (email or "").strip().lower()
    email_check_typed(email)
    details = {
        "display_name": display_name,
        "language": language,
        "country_of_residence": country_of_residence,
        "displacement_status": displacement_status,
        "phone": (phone or "").strip(),
        "case_number": case_number,
    }
    email_owner = email_owner_id(email) if email else None
    phone_owner = phone_owner_id(details["phone"]) if details["phone"] else None
    if email_owner is not None:
        owner_notify(user_id=email_owner, channel="email", partner=partner, acting_user=acting_user)
    if phone_owner is not None and phone_owner != email_owner:
        # A contact number, never refused (families share a phone); the account that signs in
        # with it is told, whatever the staff member sees.
        owner_notify(user_id=phone_owner, channel="sms", partner=partner, acting_user=acting_user)
    if email:
        # Everything a registration does, then rolled back — for every address: the same form
        # errors, the same work and time whether or not the address has an account.
        _registration_rehearse(partner=partner, acting_user=acting_user, details=details)
        # The staff member's act, the same for every address (what followed is in the
        # learner's own events: learner.registered_assisted or account.exists_notice).
        audit_record(
            actor=acting_user,
            action="learner.registration_emailed",
            partner_id=partner.pk,
            data={"has_phone": bool(details["phone"])},
        )
        code = confirmation_code_generate()
        if email_owner is None:
            pending_registration_create(
                partner=partner, email=email, details=details, code=code, acting_user=acting_user
            )
        return None, code
    return learner_create_verified(partner=partner, email="", acting_user=acting_user, **details)


class _Rehearsal(Exception):
    pass


def _registration_rehearse(*, partner: Partner, acting_user: User, details: dict) -> None:
    """Create the learner in a savepoint and roll it back (its jobs and e-mails go with it).
    Raises what a real registration would raise."""
    try:
        with transaction.atomic():
            learner_create_verified(partner=partner, email="", acting_user=acting_user, **details)
            raise _Rehearsal
    except _Rehearsal:
        pass


def learner_create_verified(
    *,
    partner: Partner,
    email: str,
    display_name: str,
    language: str,
    country_of_residence: str,
    displacement_status: str,
    phone: str,
    case_number: str,
    acting_user: User,
) -> tuple[User, str]:
    """The account, profile and approved in-person application; (learner, one-time password).
    Call inside a transaction. Raises ValidationError if the address was taken meanwhile."""
    password = one_time_password_generate()
    user = _create_user_with_code(email=email, language=language, password=password)
    if user is None:
        raise ValidationError(_("An account already uses this e-mail address."), code="email_taken")
    # Verified without a confirmation e-mail: for a placeholder address nothing can be sent, and
    # a real one is confirmed by the person opening the link sent to it.
    account_email_confirmed(user=user)
    # Consent given in person: the staff member went through the privacy notice with them (the
    # form makes them confirm it); it is recorded with the notice's version, as online.
    profile = learner_profile_save(
        user=user,
        display_name=display_name,
        language=language,
        country_of_residence=country_of_residence,
        consent=True,
        acting_user=acting_user,
    )
    if phone:
        profile.phone_encrypted = encrypt_text(phone)
        profile.save(update_fields=["phone_encrypted", "updated_at"])
    audit_record(
        actor=acting_user,
        action="learner.registered_assisted",
        target=user,
        partner_id=partner.pk,
        data={
            "has_email": bool(email),
            "has_phone": bool(phone),
            "consent": "in_person",
            "consent_version": PRIVACY_NOTICE_VERSION,
        },
    )
    application = application_submit(
        learner=user,
        partner=partner,
        displacement_status=displacement_status,
        country_of_residence=country_of_residence,
        case_number=case_number,
        acting_user=acting_user,
        assisted=True,
    )
    application_decide(application=application, decision=Decision.APPROVE, acting_user=acting_user)
    return user, password


@transaction.atomic
def learner_register_assisted_confirm(*, token: str, code: str) -> tuple[str, str]:
    """The person opened the link of an in-person registration and entered the confirmation
    code staff handed them: create their account now.

    Returns ("created", one-time password) — shown to them once, as a slip would be; they sign
    in with their address and it, and choose their own password — ("wrong_code", "") for a
    wrong code while tries remain (nothing is created or shown), ("has_account", "") when the
    address got an account in the meantime, or ("invalid", "") for an unknown, used or expired
    link, one whose staff member may no longer register for the partner, or the last wrong try.
    The link alone gives nothing: whoever holds a mistyped address never sees what staff typed
    nor gets a verification. The pending registration is deleted in every case but an unknown
    link and a wrong code with tries left.
    """
    pending = pending_registration_for_token(token, lock=True)
    if pending is None:
        return "invalid", ""
    if not pending_registration_code_matches(pending, code):
        pending.code_attempts += 1
        if pending.code_attempts >= CONFIRMATION_CODE_ATTEMPTS:
            pending.delete()  # what staff typed goes: they register the person again
            return "invalid", ""
        pending.save(update_fields=["code_attempts"])
        return "wrong_code", ""
    partner, staff = pending.partner, pending.created_by
    details = pending_registration_details(pending)
    email = pending.email
    pending.delete()
    if email_owner_id(email) is not None:
        return "has_account", ""
    if staff is None or not staff.is_active or not partner.is_active:
        return "invalid", ""
    if not can_review_for(staff, partner):
        return "invalid", ""
    try:
        with transaction.atomic():
            _user, password = learner_create_verified(
                partner=partner, email=email, acting_user=staff, **details
            )
    except ValidationError:
        return "has_account", ""
    return "created", password


def _assisted_by_partner(partner_id: int) -> Exists:
    return Exists(
        Application.objects.filter(
            learner=OuterRef("pk"),
            partner_id=partner_id,
            assisted=True,
            status__in=_RESETTABLE_STATUSES,
        )
    )


def _assisted_learners_in_reach(partner: Partner):
    """Learners this partner registered in person, while they are still with it (their
    current application is the partner's: partners/reach.py)."""
    return learners_in_reach(partner).filter(_assisted_by_partner(partner.pk))


def assisted_learner_get_for_staff_or_404(*, user: User, partner: Partner, learner_id: int) -> User:
    """A learner this partner registered in person and who is still with it; 404 for anyone
    else (someone since verified by another partner, or erased, included)."""
    if not can_review_for(user, partner):
        raise Http404
    return get_object_or_404(_assisted_learners_in_reach(partner), pk=learner_id)


def learner_password_resettable(learner: User) -> bool:
    """Whether staff may still issue a one-time password for this account: only while nobody
    has ever signed in to it and its password is still one staff issued.

    `last_login` is the signal: Django sets it at every sign-in (django.contrib.auth's
    update_last_login on user_logged_in, whichever way the person signed in), nothing but
    erasure clears it, and it does not depend on how a password was later changed. From the
    first sign-in the account holds the learner's own doings (applications to other partners,
    enrolments, their data), so a new password from staff would hand all of it to whoever holds
    the slip. `password_is_temporary` is checked too: False means the learner chose their own
    password (or signed up themselves), whatever last_login says.
    """
    return learner.is_active and learner.last_login is None and learner.password_is_temporary


@transaction.atomic
def learner_reset_one_time_password(*, learner: User, partner: Partner, acting_user: User) -> str:
    """Issue a new one-time password (for a slip lost before the first sign-in). Returns it,
    to print once.

    Only staff of the partner that registered this learner in person, while the learner is
    still with it, and only until someone first signs in to the account
    (learner_password_resettable): a learner who signed up themselves, or who has signed in,
    resets their own password, and staff must never be able to take over an account.
    """
    refused = TransitionNotAllowed(_("You cannot issue a password for this learner."))
    if not can_review_for(acting_user, partner):
        raise refused
    # Locked first, then checked: a sign-in (which writes last_login) waits for this to end.
    locked = _assisted_learners_in_reach(partner).select_for_update(of=("self",))
    learner = locked.filter(pk=learner.pk).first()
    if learner is None or not learner_password_resettable(learner):
        raise refused
    password = one_time_password_generate()
    # Conditional on the same facts, in the database: whatever reached the row first wins.
    replaced = account_temporary_password_replace(user_id=learner.pk, password=password)
    if not replaced:  # pragma: no cover (the row is locked above)
        raise refused
    audit_record(
        actor=acting_user,
        action="learner.one_time_password_reset",
        target=learner,
        partner_id=partner.pk,
    )
    return password
