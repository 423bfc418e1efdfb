"""The partner API (/api/v1/): a partner's case-management system reads its open applications
and posts decisions, authenticated by a partner API key.

Only the minimum leaves the portal: no names, e-mail addresses or case numbers (a case number is
reported only as present or absent). Every record read and every decision is in the audit log.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import api_keys as portal_api_keys
from portal.models import User
from portal.services import audit_record

from .errors import TransitionNotAllowed
from .models import (
    OPEN_STATUSES,
    Application,
    DocumentState,
    PartnerApiKey,
    RejectionReason,
)
from .permissions import membership_for
from .reach import applications_in_reach
from .services.api_keys import api_key_authenticate
from .services.applications import Decision, application_decide

AUTH_KEYWORD = portal_api_keys.AUTH_KEYWORD
THROTTLE_SCOPE = "partner_api"
# Overridable with REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner_api"].
DEFAULT_RATE = portal_api_keys.DEFAULT_RATE


# --- authentication -----------------------------------------------------------------------------


class PartnerApiClient(portal_api_keys.ApiClient):
    """Who is calling: a partner's system, identified by one of its API keys (not a person)."""

    def __init__(self, key: PartnerApiKey):
        super().__init__(key)
        self.partner = key.partner

    def __str__(self) -> str:
        return f"API key {self.key.prefix} of {self.partner}"


class ApiKeyAuthentication(portal_api_keys.ApiKeyAuthentication):
    """`Authorization: Api-Key <prefix>.<secret>` of a partner key."""

    def find_key(self, raw: str):
        return api_key_authenticate(raw)

    def client_for(self, key) -> "PartnerApiClient":
        return PartnerApiClient(key)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A partner API key, created by a coordinator on the partner's API keys page: "
                "`Authorization: Api-Key <prefix>.<secret>`."
            ),
        }


class HasPartnerApiKey(portal_api_keys.HasApiKey):
    key_model = PartnerApiKey


class ApiKeyRateThrottle(portal_api_keys.ApiKeyRateThrottle):
    scope = THROTTLE_SCOPE
    key_model = PartnerApiKey


class PartnerApiView(portal_api_keys.KnownQueryParametersOnly, APIView):
    """Key authentication only (no session, so no CSRF), JSON in and out, limited per key."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasPartnerApiKey]
    throttle_classes = [ApiKeyRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    # Explicit, so the schema works whatever REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] says.
    schema = AutoSchema()

    @property
    def api_key(self) -> PartnerApiKey:
        return self.request.auth


# --- reads --------------------------------------------------------------------------------------


def _applications_of_partner(partner_id: int) -> QuerySet[Application]:
    """A partner's applications with their live, rebuilt document count; one query per page.
    Only those of learners still with the partner (partners/reach.py): an older application of
    someone who has since applied elsewhere is a 404, like one that does not exist."""
    return applications_in_reach(partner_id).annotate(
        document_count=Count(
            "documents",
            filter=Q(documents__purged_at__isnull=True, documents__state=DocumentState.READY),
        )
    )


def _application_get_for_key_or_404(key: PartnerApiKey, pk: int) -> Application:
    """404 for both "missing" and "another partner's": an applicant's existence is sensitive."""
    application = _applications_of_partner(key.partner_id).filter(pk=pk).first()
    if application is None:
        raise exceptions.NotFound()
    return application


class ApplicationSerializer(serializers.ModelSerializer):
    country_of_residence = serializers.CharField(source="country_of_residence.code", read_only=True)
    document_count = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Evidence documents ready to open: rebuilt from their pixels, not yet deleted after "
            "the decision (documents still being checked are not counted)."
        ),
    )
    has_case_number = serializers.SerializerMethodField(
        help_text="Whether the learner gave a registration or case number (never the number)."
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "status",
            "submitted_at",
            "displacement_status",
            "country_of_residence",
            "document_count",
            "has_case_number",
        ]
        read_only_fields = fields

    def get_has_case_number(self, application: Application) -> bool:
        return bool(application.case_number_encrypted)


class ApplicationDetailSerializer(ApplicationSerializer):
    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "note"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.ALL)
    reason = serializers.ChoiceField(
        choices=RejectionReason.choices,
        required=False,
        allow_blank=True,
        help_text="Required when rejecting.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="For the partner's own records (approve or reject).",
    )
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Shown to the learner; required when requesting information.",
    )

    def validate(self, attrs):
        decision = attrs["decision"]
        if decision == Decision.REJECT and not attrs.get("reason"):
            raise serializers.ValidationError({"reason": _("Choose a reason when rejecting.")})
        if decision == Decision.REQUEST_INFO and not attrs.get("message", "").strip():
            raise serializers.ValidationError(
                {"message": _("Write what information you need from the learner.")}
            )
        return attrs


# The decision body as the schema describes it: one shape per decision, so that what each one
# requires (a reason to reject, a message to ask for information) is in the schema itself.
class _DecisionBodySerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="For the partner's own records (approve or reject).",
    )


class ApproveDecisionSerializer(_DecisionBodySerializer):
    decision = serializers.ChoiceField(choices=[Decision.APPROVE])


class RejectDecisionSerializer(_DecisionBodySerializer):
    decision = serializers.ChoiceField(choices=[Decision.REJECT])
    reason = serializers.ChoiceField(choices=RejectionReason.choices)


class RequestInfoDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[Decision.REQUEST_INFO])
    message = serializers.RegexField(
        r"\S",
        max_length=2000,
        help_text="Shown to the learner: what information you need (not only spaces).",
    )


DECISION_BODY = PolymorphicProxySerializer(
    component_name="DecisionBody",
    serializers={
        Decision.APPROVE: ApproveDecisionSerializer,
        Decision.REJECT: RejectDecisionSerializer,
        Decision.REQUEST_INFO: RequestInfoDecisionSerializer,
    },
    resource_type_field_name="decision",
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ApplicationCursorPagination(CursorPagination):
    ordering = ("submitted_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        """The size asked for; one that is not a whole number from 1 to the maximum is a 400
        (DRF would quietly use the default instead)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() else 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: _("Ask for a page size from 1 to %(max)d.")
                    % {"max": self.max_page_size}
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor whose position is not a date-time would otherwise fail in the query.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, OverflowError) as error:
            raise exceptions.NotFound(self.invalid_cursor_message) from error

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Applications per page (default {self.page_size}, at most "
                    f"{self.max_page_size})."
                )
        return parameters


# Every operation may answer these: no valid key, or too many requests with it.
KEY_RESPONSES = {
    401: OpenApiResponse(ErrorSerializer, description="No valid partner API key."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests with this key."),
    503: OpenApiResponse(
        ErrorSerializer, description="Briefly unavailable; try again after `Retry-After`."
    ),
}


# Schema annotations go on the classes: on methods, drf-spectacular would build on DRF's own
# AutoSchema unless REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] names drf-spectacular's.
@extend_schema(
    responses={
        200: ApplicationSerializer(many=True),
        400: OpenApiResponse(description="The status asked for is not an open one."),
        404: OpenApiResponse(ErrorSerializer, description="The cursor is not a valid one."),
        **KEY_RESPONSES,
    },
    parameters=[
        OpenApiParameter(
            "status",
            str,
            enum=[s.value for s in OPEN_STATUSES],
            description="Only applications in this status (default: all open ones).",
        )
    ],
)
class ApplicationListView(PartnerApiView, generics.ListAPIView):
    """This partner's open applications (submitted, or waiting for more information), oldest
    first, a page at a time: follow `next` to continue."""

    serializer_class = ApplicationSerializer
    pagination_class = ApplicationCursorPagination
    query_parameters = ("cursor", "page_size", "status")

    def get_queryset(self) -> QuerySet[Application]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no key, no data
            return Application.objects.none()
        rows = _applications_of_partner(self.api_key.partner_id)
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in OPEN_STATUSES:
                raise exceptions.ValidationError(
                    {
                        "status": _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(OPEN_STATUSES)}
                    }
                )
            return rows.filter(status=wanted)
        return rows.filter(status__in=OPEN_STATUSES)


@extend_schema(responses={200: ApplicationDetailSerializer, 404: ErrorSerializer, **KEY_RESPONSES})
class ApplicationDetailView(PartnerApiView):
    """One of this partner's applications, in any status. Each read is audited."""

    def get(self, request, pk: int):
        application = _application_get_for_key_or_404(self.api_key, pk)
        audit_record(
            actor=self.api_key.created_by,
            action="application.viewed",
            target=application,
            partner_id=application.partner_id,
            data={"via": "api", "api_key": self.api_key.pk},
        )
        return Response(ApplicationDetailSerializer(application).data)


def _acting_staff_for_key(key: PartnerApiKey) -> User:
    """Decisions are taken in the name of the coordinator who created the key, while they are
    still on the partner's staff — so a key outlives nobody's authority."""
    user = key.created_by
    if user is None or not user.is_active or membership_for(user, key.partner_id) is None:
        raise exceptions.PermissionDenied(
            _(
                "The staff member who created this API key is no longer on this organisation's "
                "staff, so it cannot be used for decisions. Ask a coordinator to create a new key."
            )
        )
    return user


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This change is not possible in the application's state.")
    default_code = "conflict"


@extend_schema(
    request=DECISION_BODY,
    responses={
        200: ApplicationDetailSerializer,
        400: OpenApiResponse(description="The body is not a valid decision."),
        403: OpenApiResponse(
            ErrorSerializer, description="The key's creator is no longer on the staff."
        ),
        404: ErrorSerializer,
        409: OpenApiResponse(
            ErrorSerializer, description="The application is not waiting for a decision."
        ),
        **KEY_RESPONSES,
    },
)
class ApplicationDecisionView(PartnerApiView):
    """Approve, request more information about, or reject a submitted application."""

    def post(self, request, pk: int):
        key = self.api_key
        application = _application_get_for_key_or_404(key, pk)
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        acting_user = _acting_staff_for_key(key)
        decision = body.validated_data["decision"]
        try:
            application_decide(
                application=application,
                decision=decision,
                acting_user=acting_user,
                reason=body.validated_data.get("reason", ""),
                note=body.validated_data.get("note", ""),
                message=body.validated_data.get("message", ""),
            )
        except TransitionNotAllowed as error:
            # A document still being checked is a conflict of timing: the same call succeeds later.
            if error.code in ("illegal", "documents_checking"):
                raise Conflict(error.messages[0]) from error
            raise exceptions.ValidationError({"detail": error.messages[0]}) from error
        # application_decide records the decision in the staff member's name; this says which
        # key (which machine) made it.
        audit_record(
            actor=acting_user,
            action="api_key.used_for_decision",
            target=application,
            partner_id=application.partner_id,
            data={"api_key": key.pk, "decision": decision},
        )
        application = _application_get_for_key_or_404(key, pk)
        return Response(ApplicationDetailSerializer(application).data)


# --- the schema ---------------------------------------------------------------------------------


def request_bodies_required(result, generator, request, public):
    """Every body the API takes is required (drf-spectacular leaves a body made of
    alternatives optional, though an empty POST is refused)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result


SCHEMA_SETTINGS = {
    "TITLE": "Refugee Learner Access Portal — partner API",
    "DESCRIPTION": (
        "For partner organisations' case-management systems: read your open applications and "
        "record decisions. Authenticate with `Authorization: Api-Key <prefix>.<secret>`. "
        f"Requests are limited per key ({DEFAULT_RATE} by default)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "partners.api.request_bodies_required",
    ],
}


class PartnerApiSchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML; `?format=json` for JSON). Public: it holds no data."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = AutoSchema()
    custom_settings = SCHEMA_SETTINGS

    # Redefined without the base class's method annotation, so the class-level exclusion
    # below applies whatever DEFAULT_SCHEMA_CLASS is.
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


PartnerApiSchemaView = extend_schema(exclude=True)(PartnerApiSchemaView)
