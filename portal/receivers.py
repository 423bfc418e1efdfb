"""Account events written to the audit log: sign-ins of staff, and security changes of anyone."""

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .services import audit_record


@receiver(user_logged_in)
def _audit_staff_sign_in(sender, request, user, **kwargs):
    # Learners' sign-ins are not logged: a record of when a refugee was online is not needed.
    if user.must_use_mfa:
        audit_record(actor=user, action="account.signed_in", target=user)


@receiver(user_logged_out)
def _audit_staff_sign_out(sender, request, user, **kwargs):
    if user is not None and user.must_use_mfa:
        audit_record(actor=user, action="account.signed_out", target=user)


@receiver(password_changed)
@receiver(password_reset)
def _audit_password(sender, request, user, **kwargs):
    if user.password_is_temporary:
        user.password_is_temporary = False
        user.save(update_fields=["password_is_temporary"])
    audit_record(actor=user, action="account.password_changed", target=user)


@receiver(authenticator_added)
@receiver(authenticator_removed)
@receiver(authenticator_reset)
def _audit_authenticator(sender, request, user, authenticator, **kwargs):
    action = {
        authenticator_added: "mfa.authenticator_added",
        authenticator_removed: "mfa.authenticator_removed",
        authenticator_reset: "mfa.authenticator_reset",
    }[kwargs["signal"]]
    audit_record(actor=user, action=action, target=user, data={"type": authenticator.type})
