"""Management pages: partners (programme admins), and a partner's team, API keys and bulk
learner invitations (its coordinators). Thin: authorise through a selector, call a service,
render. Reviewers, other partners' staff and learners get 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.csv_upload import csv_upload_view, upload_results_context

from ..forms.manage import (
    ApiKeyCreateForm,
    CoordinatorInviteForm,
    InvitationUploadForm,
    PartnerForm,
    RoleChangeForm,
    StaffInviteForm,
)
from ..models import Partner, StaffRole
from ..permissions import is_programme_admin
from ..selectors import memberships_of_partner
from ..selectors_manage import (
    PARTNERS_PAGE_SIZE,
    api_key_get_for_coordinator_or_404,
    api_keys_of_partner,
    coordinators_of_partner,
    invitation_batch_counts,
    invitation_batch_get_for_coordinator_or_404,
    invitation_batches_of_partner,
    invitation_rows_page,
    membership_get_for_coordinator_or_404,
    partner_get_for_admin_or_404,
    partner_get_for_coordinator_or_404,
    partners_for_admin,
    staff_invitation_get_for_manager_or_404,
    staff_invitations_pending,
)
from ..services.api_keys import api_key_create as api_key_create_service
from ..services.api_keys import api_key_revoke as api_key_revoke_service
from ..services.invitations import invitation_batch_create, join_url
from ..services.partners import partner_create as partner_create_service
from ..services.partners import partner_update
from ..services.staff import (
    invitation_problem,
    membership_remove,
    membership_role_change,
    staff_invitation_accept,
    staff_invitation_create,
    staff_invitation_for_token,
    staff_invitation_revoke,
)


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- partners (programme admins) ----------------------------------------------------------------


@require_http_methods(["GET"])
def partner_list(request: HttpRequest) -> HttpResponse:
    partners = partners_for_admin(request.user)
    page = Paginator(partners, PARTNERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "partners/manage/partner_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest) -> HttpResponse:
    if not is_programme_admin(request.user):
        raise Http404
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = partner_create_service(**form.service_kwargs(), acting_user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s was added. You can now invite its first coordinator.")
                % {"name": partner.name},
            )
            return redirect("programme:partner_edit", slug=partner.slug)
    return render(request, "partners/manage/partner_form.html", {"form": form, "partner": None})


def _partner_edit_page(request, partner: Partner, form, invite_form, status=200) -> HttpResponse:
    return render(
        request,
        "partners/manage/partner_form.html",
        {
            "form": form,
            "partner": partner,
            "invite_form": invite_form,
            "coordinators": list(coordinators_of_partner(partner)),
            "pending_invitations": list(staff_invitations_pending(partner)),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_admin_or_404(request.user, slug)
    form = PartnerForm(request.POST or None, instance=Partner.objects.get(pk=partner.pk))
    if request.method == "POST" and form.is_valid():
        try:
            partner = partner_update(
                partner=partner, **form.service_kwargs(), acting_user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("programme:partner_edit", slug=partner.slug)
    return _partner_edit_page(request, partner, form, CoordinatorInviteForm())


@require_POST
def partner_invite_coordinator(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_admin_or_404(request.user, slug)
    invite_form = CoordinatorInviteForm(request.POST)
    if invite_form.is_valid():
        try:
            staff_invitation_create(
                partner=partner,
                email=invite_form.cleaned_data["email"],
                role=StaffRole.COORDINATOR,
                acting_user=request.user,
            )
        except ValidationError as error:
            invite_form.add_error("email", error)
        else:
            messages.success(
                request,
                _("The invitation was sent to %(email)s. The link works for 7 days.")
                % {"email": invite_form.cleaned_data["email"]},
            )
            return redirect("programme:partner_edit", slug=partner.slug)
    return _partner_edit_page(request, partner, PartnerForm(instance=partner), invite_form)


# --- the team (coordinators) --------------------------------------------------------------------


def _team_page(request, partner: Partner, invite_form) -> HttpResponse:
    return render(
        request,
        "partners/manage/team.html",
        {
            "partner": partner,
            "memberships": list(memberships_of_partner(partner)),
            "pending_invitations": list(staff_invitations_pending(partner)),
            "invite_form": invite_form,
            "roles": StaffRole.choices,
            "section": "team",
        },
    )


@require_http_methods(["GET"])
def team(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    return _team_page(request, partner, StaffInviteForm())


@require_POST
def staff_invite(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    form = StaffInviteForm(request.POST)
    if form.is_valid():
        try:
            staff_invitation_create(
                partner=partner,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                _("The invitation was sent to %(email)s. The link works for 7 days.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("partners:team", slug=partner.slug)
    return _team_page(request, partner, form)


@require_POST
def staff_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    membership = membership_get_for_coordinator_or_404(request.user, partner, membership_id)
    try:
        membership_remove(membership=membership, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(
            request, _("%(email)s was removed from the team.") % {"email": membership.user.email}
        )
    return redirect("partners:team", slug=partner.slug)


@require_POST
def staff_role_change(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    membership = membership_get_for_coordinator_or_404(request.user, partner, membership_id)
    form = RoleChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a role."))
        return redirect("partners:team", slug=partner.slug)
    try:
        membership_role_change(
            membership=membership, role=form.cleaned_data["role"], acting_user=request.user
        )
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(
            request, _("The role of %(email)s was changed.") % {"email": membership.user.email}
        )
    return redirect("partners:team", slug=partner.slug)


@require_POST
def staff_invitation_revoke_view(
    request: HttpRequest, slug: str, invitation_id: int
) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    invitation = staff_invitation_get_for_manager_or_404(request.user, partner, invitation_id)
    try:
        staff_invitation_revoke(invitation=invitation, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s was withdrawn; its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("partners:team", slug=partner.slug)


# --- accepting a staff invitation (anyone signed in who holds the link) -------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = staff_invitation_for_token(token)
    if request.method == "POST":
        try:
            membership = staff_invitation_accept(token=token, acting_user=request.user)
        except ValidationError as error:
            problem = _messages_of(error)
        else:
            messages.success(
                request,
                _(
                    "Welcome to the staff of %(partner)s. Staff accounts must use two-factor "
                    "authentication: please set it up now."
                )
                % {"partner": membership.partner.name},
            )
            return redirect("portal:home")
    else:
        found = invitation_problem(invitation, request.user)
        problem = found[1] if found else ""
    return render(
        request,
        "partners/manage/invitation_accept.html",
        {"invitation": invitation, "problem": problem},
        status=404 if invitation is None else 200,
    )


# --- API keys (coordinators) --------------------------------------------------------------------


def _api_keys_page(request, partner, form, new_key=None, plaintext="") -> HttpResponse:
    return render(
        request,
        "partners/manage/api_keys.html",
        {
            "partner": partner,
            "keys": list(api_keys_of_partner(partner)),
            "form": form,
            "new_key": new_key,
            "plaintext": plaintext,
            "section": "api_keys",
        },
    )


@require_http_methods(["GET"])
def api_keys(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    return _api_keys_page(request, partner, ApiKeyCreateForm())


@never_cache
@require_POST
def api_key_create(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    form = ApiKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            key, plaintext = api_key_create_service(
                partner=partner, name=form.cleaned_data["name"], acting_user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown in this response only; the portal keeps nothing but its hash.
            return _api_keys_page(request, partner, ApiKeyCreateForm(), key, plaintext)
    return _api_keys_page(request, partner, form)


@require_POST
def api_key_revoke(request: HttpRequest, slug: str, key_id: int) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    key = api_key_get_for_coordinator_or_404(request.user, partner, key_id)
    try:
        api_key_revoke_service(key=key, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(
            request,
            _("The key “%(name)s” was revoked; systems using it are now refused.")
            % {"name": key.name},
        )
    return redirect("partners:api_keys", slug=partner.slug)


# --- bulk learner invitations (coordinators) ----------------------------------------------------


@require_http_methods(["GET", "POST"])
def bulk_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    return csv_upload_view(
        request,
        form=InvitationUploadForm(request.POST or None, request.FILES or None),
        create=lambda data: invitation_batch_create(
            partner=partner, csv_file=data["csv_file"], acting_user=request.user
        ),
        done=lambda batch: (
            _("The file was read: %(total)d lines. Invitations are being sent.")
            % {"total": batch.total},
            reverse(
                "partners:bulk_invitation_detail",
                kwargs={"slug": partner.slug, "batch_id": batch.pk},
            ),
        ),
        template="partners/manage/bulk_invitations.html",
        context=lambda: {
            "partner": partner,
            "batches": invitation_batches_of_partner(partner),
            "join_url": join_url(partner),
            "section": "invitations",
        },
    )


@require_http_methods(["GET"])
def bulk_invitation_detail(request: HttpRequest, slug: str, batch_id: int) -> HttpResponse:
    partner = partner_get_for_coordinator_or_404(request.user, slug)
    batch = invitation_batch_get_for_coordinator_or_404(request.user, partner, batch_id)
    return render(
        request,
        "partners/manage/bulk_invitation_detail.html",
        {
            "partner": partner,
            "batch": batch,
            "section": "invitations",
            **upload_results_context(
                upload=batch,
                processed=batch.total - batch.pending_count,
                counts=invitation_batch_counts(batch),
                page=invitation_rows_page(batch, request.GET.get("page")),
                cells_heading=_("E-mail and reason"),
                running_message=_("Invitations are being sent."),
            ),
        },
    )
