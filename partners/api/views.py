"""The partner API's views: a partner's open applications, one application, a decision.

Thin: the key (portal/api_keys/) says which partner is calling; reads come from the selectors,
and the audited read and the decision from the services.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from portal.api_keys.drf import ApiKeyView

from ..errors import TransitionNotAllowed
from ..models import OPEN_STATUSES, Application, PartnerApiKey
from ..selectors import application_get_for_api_key_or_404, applications_for_api_key
from ..services.api_keys import KEY_CREATOR_LEFT, api_key_application_viewed, api_key_decide
from .serializers import (
    DECISION_BODY,
    ApplicationDetailSerializer,
    ApplicationSerializer,
    DecisionSerializer,
    ErrorSerializer,
)

THROTTLE_SCOPE = "partner_api"


class PartnerApiView(ApiKeyView):
    """Authenticated by a partner's API key; limited per key."""

    api_key_model = PartnerApiKey
    throttle_scope = THROTTLE_SCOPE
    api_key_scheme = (
        "ApiKeyAuth",
        "A partner API key, created by a coordinator on the partner's API keys page: "
        "`Authorization: Api-Key <prefix>.<secret>`.",
    )


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
        rows = applications_for_api_key(self.api_key)
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
        application = application_get_for_api_key_or_404(self.api_key, pk)
        api_key_application_viewed(key=self.api_key, application=application)
        return Response(ApplicationDetailSerializer(application).data)


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
        application = application_get_for_api_key_or_404(key, pk)
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            api_key_decide(
                key=key,
                application=application,
                decision=body.validated_data["decision"],
                reason=body.validated_data.get("reason", ""),
                note=body.validated_data.get("note", ""),
                message=body.validated_data.get("message", ""),
            )
        except TransitionNotAllowed as error:
            if error.code == KEY_CREATOR_LEFT:
                raise exceptions.PermissionDenied(error.messages[0]) from error
            # A document still being checked is a conflict of timing: the same call succeeds later.
            if error.code in ("illegal", "documents_checking"):
                raise Conflict(error.messages[0]) from error
            raise exceptions.ValidationError({"detail": error.messages[0]}) from error
        application = application_get_for_api_key_or_404(key, pk)
        return Response(ApplicationDetailSerializer(application).data)
