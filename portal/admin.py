"""The Django admin for the portal core: staff and admin accounts, and the audit log.

Programme admins are not superusers (docs/decisions/0014); what they may do here is the
explicit permission list of portal.admin_access. No page here shows a learner:
- the user admin lists staff, admin and operator accounts only, has no password form (nobody
  sets another person's password through a web page: the break-glass path is
  `manage.py account_password_set`), and only the operator sees groups, permissions and
  superuser status — read-only, for the operator too: superuser status is given on the command
  line only (createsuperuser), and groups and permissions follow the role (a programme admin
  joins the "Programme admins" group, and leaves it with the role);
- the audit log names learners by a pseudonymous reference, never their e-mail, and does not
  show free-text reasons (a reviewer may have written a name in one);
- the outbox shows what was sent, when, and why a message failed, with the recipient masked
  and never the content.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_access import learner_reference, record_reference
from .admin_base import ReadOnlyAdmin, StrictLookupsMixin
from .models import AuditEvent, OutboxMessage, Role, User
from .notify import ACCOUNT_NOTICE_STAFF_ACCOUNT, account_id_for_email, account_notice_queue

# The roles the user admin may show or create: never learners.
ADMIN_VISIBLE_ROLES = [Role.PARTNER_STAFF, Role.PROGRAMME_ADMIN, Role.OPERATOR]
ADMIN_CREATABLE_ROLES = [Role.PARTNER_STAFF, Role.PROGRAMME_ADMIN]


class StaffAccountCreationForm(BaseUserCreationForm):
    """A new staff or admin account, without a password: its owner sets one through the
    password-reset e-mail, so nobody else ever knows it.

    Says nothing about accounts the admin cannot see (docs/decisions/0015): an address used by
    a learner (as login or other address) is accepted like a new one, but nothing is created and
    its owner is told instead (`existing_owner_id`, handled by UserAdmin.save_model). Only an
    address of a staff or admin account in the admin's own user list is refused as taken.
    """

    # Set by UserAdmin.get_form: whose user list decides which accounts may be named.
    acting_user = None
    # The account that already uses the address, when the admin may not be told (set by clean).
    existing_owner_id = None

    class Meta:
        model = User
        fields = ["email", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("password1", "password2", "usable_password"):
            self.fields.pop(name, None)
        self.fields["role"].choices = [
            (value, label) for value, label in Role.choices if value in ADMIN_CREATABLE_ROLES
        ]

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.existing_owner_id = account_id_for_email(email)
        if self.existing_owner_id is not None:
            visible = User.objects.filter(pk=self.existing_owner_id, role__in=ADMIN_VISIBLE_ROLES)
            if not (self.acting_user is not None and self.acting_user.is_superuser):
                visible = visible.filter(is_superuser=False)
            if visible.exists():
                raise ValidationError(
                    _("A staff or admin account already uses this e-mail address."),
                    code="unique",
                )
        return email

    def validate_unique(self):
        # The model's unique check would say "already exists" for a learner's address too:
        # clean_email decides what may be said about the address.
        exclude = self._get_validation_exclusions()
        exclude.add("email")
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)

    def save(self, commit=True):
        user = super(BaseUserCreationForm, self).save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(StrictLookupsMixin, BaseUserAdmin):
    add_form = StaffAccountCreationForm
    ordering = ["email"]
    list_display = ["email", "role", "is_active", "is_staff", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email"]}),
        (_("Role"), {"fields": ["role", "is_active", "is_staff"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    operator_fieldsets = [
        (None, {"fields": ["email"]}),
        (_("Role"), {"fields": ["role", "is_active", "is_staff", "is_superuser"]}),
        (_("Permissions"), {"fields": ["groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role"]})]

    def get_queryset(self, request):
        """Never a learner, for anyone (the changelist, search, autocomplete, raw-id popups and
        every object page go through this); the operator's accounts for the operator only."""
        queryset = super().get_queryset(request).filter(role__in=ADMIN_VISIBLE_ROLES)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def response_add(self, request, obj, post_url_continue=None):
        """One answer for every address accepted: the same message and the same page (the add
        form), whether an account was created or the address already had one."""
        messages.success(
            request,
            gettext(
                "Saved. If %(email)s had no account, a staff or admin account was created for it "
                "and its owner sets a password with “Forgot your password?” on the sign-in page; "
                "if it already had one, its owner was told by e-mail and nothing was created."
            )
            % {"email": request.POST.get("email", "").strip()},
        )
        return HttpResponseRedirect(reverse("admin:portal_user_add"))

    def log_addition(self, request, obj, message):
        if obj.pk is None:  # an existing account's address: nothing was created
            return None
        return super().log_addition(request, obj, message)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return self.operator_fieldsets if request.user.is_superuser else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Nobody, the operator included, makes a superuser or hands out permissions from a web
        # page: superusers come from `createsuperuser`, groups and permissions from the role.
        readonly += ["is_superuser", "groups", "user_permissions"]
        if obj is not None:
            # An address is changed by its owner (e-mail confirmation); changing someone else's
            # would let a password-reset e-mail go to another person.
            readonly.append("email")
        if obj is not None and not request.user.is_superuser:
            readonly += ["role", "is_staff"]
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.acting_user = request.user  # a class made for this request
        if obj is not None and "role" in form.base_fields:
            # The operator may move an account between partner staff and programme admin, never
            # make it a learner or an operator (that one comes from createsuperuser).
            allowed = {*ADMIN_CREATABLE_ROLES, obj.role}
            form.base_fields["role"].choices = [
                (value, label) for value, label in Role.choices if value in allowed
            ]
        return form

    def get_urls(self):
        # No "change password" page for anyone: skip the URL that BaseUserAdmin adds.
        return admin.ModelAdmin.get_urls(self)

    def user_change_password(self, request, id, form_url=""):
        raise Http404

    def has_delete_permission(self, request, obj=None):
        # Learners erase their own accounts; staff leave a partner through its coordinators.
        return False

    def save_model(self, request, obj, form, change):
        from .admin_access import user_save_in_admin

        if not change and getattr(form, "existing_owner_id", None) is not None:
            # The address belongs to an account the admin cannot see (a learner's): create and
            # change nothing; its owner is told, at most once a day (portal/notify.py).
            account_notice_queue(
                user_id=form.existing_owner_id,
                channel="email",
                reason=ACCOUNT_NOTICE_STAFF_ACCOUNT,
                partner_name="",
                actor_id=request.user.pk,
            )
            return
        user_save_in_admin(
            user=obj,
            changed_fields=list(form.changed_data),
            created=not change,
            was_admin=change and form.initial.get("role") == Role.PROGRAMME_ADMIN,
            acting_user=request.user,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only, written by services. Learners appear as a
    pseudonymous reference (portal.admin_access.learner_reference)."""

    list_display = ["created_at", "action", "actor_shown", "object_shown", "partner_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    fields = ["created_at", "action", "actor_shown", "object_shown", "partner_id", "data_shown"]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("actor"))
    def actor_shown(self, obj: AuditEvent) -> str:
        actor = obj.actor
        if actor is None:
            return "—"
        if actor.role in ADMIN_VISIBLE_ROLES:
            return actor.email
        return learner_reference(actor.pk)

    @admin.display(description=_("object"))
    def object_shown(self, obj: AuditEvent) -> str:
        if not obj.object_type:
            return "—"
        if obj.object_type == "portal.user" and obj.object_id.isdigit():
            # An account id would let someone who holds other records link them to the person;
            # the reference is the same one the actor column uses.
            return f"portal.user {learner_reference(int(obj.object_id))}"
        if obj.object_type not in PROGRAMME_LEVEL_OBJECT_TYPES:
            # A learner's application, enrolment, credential, document...: its id would lead to
            # the record (and a credential's page, say, to a name); a keyed reference still
            # groups the events of one record.
            return f"{obj.object_type} {record_reference(obj.object_type, obj.object_id)}"
        return f"{obj.object_type} {obj.object_id}"

    @admin.display(description=_("details"))
    def data_shown(self, obj: AuditEvent) -> str:
        return ", ".join(
            f"{key}: {_shown_value(key, value)}" for key, value in sorted(obj.data.items())
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read-only: staff see which messages failed and why (docs/decisions/0021-outbox.md). The
    recipient is masked (`+962*******67`, `a***@***.org`), the account a pseudonymous
    reference, the content never shown."""

    list_display = [
        "created_at",
        "kind",
        "channel",
        "recipient_shown",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "kind"]
    ordering = ["-created_at"]
    fields = [
        "created_at",
        "kind",
        "channel",
        "recipient_shown",
        "account_shown",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "locked_until",
        "sent_at",
    ]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        # Only what the list shows: the content (a report's attachment) is never read.
        return super().get_queryset(request).defer("content_encrypted")

    @admin.display(description=_("recipient"))
    def recipient_shown(self, obj: OutboxMessage) -> str:
        from .outbox import outbox_recipient_masked

        return outbox_recipient_masked(obj)

    @admin.display(description=_("account"))
    def account_shown(self, obj: OutboxMessage) -> str:
        return learner_reference(obj.user_id) or "—"


# Records that are not about one person: their ids are shown as they are.
PROGRAMME_LEVEL_OBJECT_TYPES = {
    "partners.partner",
    "partners.membership",
    "partners.staffinvitation",
    "partners.partnerapikey",
    "partners.invitationbatch",
    "credentials.provider",
    "credentials.course",
    "credentials.seatallocation",
    "credentials.providerapikey",
    "credentials.issuerkey",
    "credentials.statuslist",
    "reporting.exportjob",
    "reporting.reportdelivery",
}
# Keys of `data` that hold the id of a learner's record.
LEARNER_RECORD_KEYS = {"application", "enrolment", "credential", "document", "profile", "learner"}

# Keys whose values are free text typed by a person (a reason, a message): not shown.
FREE_TEXT_KEYS = {"reason", "message", "note", "comment"}


def _shown_value(key: str, value) -> str:
    if key in FREE_TEXT_KEYS and isinstance(value, str) and value:
        return str(_("(free text, not shown)"))
    if key == "user" and isinstance(value, int):
        return learner_reference(value)
    if key in LEARNER_RECORD_KEYS and isinstance(value, int | str) and str(value).isdigit():
        return record_reference(key, str(value))
    return str(value)


def _unregister_allauth_admins() -> None:
    """allauth registers admin pages for e-mail addresses, signed-in sessions (IP addresses and
    browsers), MFA authenticators and social accounts: every one of them lists individuals, so
    none is offered, not even to the operator (who has the shell for emergencies)."""
    from django.apps import apps

    candidates = [
        ("account", "EmailAddress"),
        ("account", "EmailConfirmation"),
        ("usersessions", "UserSession"),
        ("mfa", "Authenticator"),
        ("socialaccount", "SocialAccount"),
        ("socialaccount", "SocialApp"),
        ("socialaccount", "SocialToken"),
    ]
    for app_label, model_name in candidates:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_allauth_admins()


# --- scheduled jobs -------------------------------------------------------------------------------
#
# django_celery_beat's own page lets anyone who may change a periodic task pick any registered
# task, type its arguments and run it at once: with it, a programme admin could send any e-mail
# or text message as the portal (email_send_task, sms_send_task) or a notice to any account id.
# Programme admins change *when* the portal's jobs run and whether they are on; which job runs,
# with which arguments, and adding, deleting or running tasks by hand are the operator's.

_TASK_IDENTITY_FIELDS = ("name", "task", "description", "args", "kwargs")
_TASK_SCHEDULE_FIELDS = (
    "enabled",
    "interval",
    "crontab",
    "solar",
    "clocked",
    "start_time",
    "last_run_at",
)
_SCHEDULE_ONLY_ACTIONS = ("enable_tasks", "disable_tasks", "toggle_tasks")


def _reregister_periodic_task_admin() -> None:
    from django import forms
    from django_celery_beat.admin import PeriodicTaskAdmin
    from django_celery_beat.models import PeriodicTask

    class ScheduleForm(forms.ModelForm):
        class Meta:
            model = PeriodicTask
            fields = [f for f in _TASK_SCHEDULE_FIELDS if f != "last_run_at"]

    class ScheduleOnlyPeriodicTaskAdmin(StrictLookupsMixin, PeriodicTaskAdmin):
        def _operator(self, request) -> bool:
            return request.user.is_superuser

        def has_add_permission(self, request):
            return self._operator(request) and super().has_add_permission(request)

        def has_delete_permission(self, request, obj=None):
            return self._operator(request) and super().has_delete_permission(request, obj)

        def get_actions(self, request):
            actions = super().get_actions(request)
            if self._operator(request):
                return actions
            return {name: a for name, a in actions.items() if name in _SCHEDULE_ONLY_ACTIONS}

        def get_fieldsets(self, request, obj=None):
            if self._operator(request):
                return super().get_fieldsets(request, obj)
            return [
                (None, {"fields": list(_TASK_IDENTITY_FIELDS)}),
                (_("Schedule"), {"fields": list(_TASK_SCHEDULE_FIELDS)}),
            ]

        def get_readonly_fields(self, request, obj=None):
            if self._operator(request):
                return super().get_readonly_fields(request, obj)
            return (*_TASK_IDENTITY_FIELDS, "last_run_at")

        def get_form(self, request, obj=None, **kwargs):
            if not self._operator(request):
                kwargs["form"] = ScheduleForm
            return super().get_form(request, obj, **kwargs)

    if admin.site.is_registered(PeriodicTask):
        admin.site.unregister(PeriodicTask)
    admin.site.register(PeriodicTask, ScheduleOnlyPeriodicTaskAdmin)


_reregister_periodic_task_admin()
