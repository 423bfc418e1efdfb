"""The provider API (/api/v1/completions/): a course provider's system reports completions,
authenticated by a provider API key.

Each completion names the learner by exactly one of: their learner reference at this provider
(sent on enrolment as `learner_reference`, typed by the learner on the provider's site), the
voucher code they were given, or their e-mail address (docs/decisions/0022-learner-references.md).
A provider learns nothing about learners it did not enrol: every learner and course id it cannot
know about answers "not_found", whatever the reason — another provider's reference included.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from portal.api_keys.drf import ApiKeyView

from .models import ProviderApiKey
from .services.imports import MAX_API_ITEMS, CompletionResult, completion_report

THROTTLE_SCOPE = "provider_api"


# --- completions --------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.ANY)
class ReportedValueField(serializers.Field):
    """A value of a reported item, for the schema only. Items are checked one by one, by the
    same rules as a CSV line: an item that breaks them (a value missing, or not text, or too
    long) is answered `invalid` with the reason, never by refusing the whole request. So the
    schema promises no type or presence here; the descriptions say what a valid item holds."""


class CompletionReportSerializer(serializers.Serializer):
    """One completion (for the schema; every item is checked by the same rules as a CSV line,
    and an item that breaks them is answered `invalid`, see `CompletionResult`)."""

    learner_reference = ReportedValueField(
        required=False,
        help_text=(
            "The learner's reference at your platform, as sent to you on enrolment "
            "(`learner_reference`) or as the learner typed it: 12 letters and digits, read "
            "whatever the case, with or without dashes or spaces (`K7QM-3XW9-PA2D`), O read as "
            "0 and I or L as 1. Give exactly one of `learner_reference`, `code` and `email`."
        ),
    )
    code = ReportedValueField(
        required=False,
        help_text=(
            "For voucher-code access: the access code the learner redeemed (text, exactly as "
            "issued). Give exactly one of `learner_reference`, `code` and `email`."
        ),
    )
    email = ReportedValueField(
        required=False,
        help_text=(
            "The learner's e-mail address (text, at most 254 characters), as sent to you on "
            "enrolment. Optional: many learners have none, and most are sent to you without "
            "one. Give exactly one of `learner_reference`, `code` and `email`."
        ),
    )
    course_id = ReportedValueField(
        required=False,
        help_text="Required: your own id of the course (text).",
    )
    completed_at = ReportedValueField(
        required=False,
        help_text=(
            "ISO 8601 date (2025-03-31) or date-time (2025-03-31T14:30:00Z; without a zone, "
            "UTC), or null. Not in the future. Default: now."
        ),
    )
    grade = ReportedValueField(
        required=False, help_text="Optional, as you grade (text, at most 50 characters)."
    )


class CompletionReportBodySerializer(serializers.Serializer):
    """The body (for the schema): one completion, or a list of 1 to 500."""


class CompletionReportBodyScheme(OpenApiSerializerExtension):
    """The body's schema: an object, or a list with its bounds (which drf-spectacular does not
    write for a list alternative of its own)."""

    target_class = "credentials.api.CompletionReportBodySerializer"

    def map_serializer(self, auto_schema, direction):
        item = auto_schema.resolve_serializer(CompletionReportSerializer, direction).ref
        return {
            "oneOf": [
                item,
                {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_API_ITEMS},
            ]
        }


class CompletionResultSerializer(serializers.Serializer):
    learner_reference = serializers.CharField(help_text='As reported ("" if not given).')
    code = serializers.CharField(help_text='As reported ("" if not given).')
    email = serializers.CharField(help_text='As reported ("" if not given).')
    course_id = serializers.CharField()
    result = serializers.ChoiceField(
        choices=CompletionResult.values,
        help_text=(
            "`completed`: recorded now. `already_completed`: recorded before, nothing changed. "
            "`not_found`: no enrolment of this learner in this course of yours (a reference "
            "or code you did not issue or receive is unknown here). `not_active`: "
            "the enrolment was withdrawn. `invalid`: the item breaks a rule (see `detail`)."
        ),
    )
    changed = serializers.BooleanField(help_text="Whether this report changed anything.")
    detail = serializers.CharField(help_text="A sentence saying why.")


class ProviderApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class BadBody(exceptions.ValidationError):
    def __init__(self, message: str):
        super().__init__({"detail": message})


def _items_of(body) -> tuple[list[dict], bool]:
    """The reported items, and whether the body was a list; 400 when its shape is wrong."""
    if isinstance(body, dict):
        return [body], False
    if not isinstance(body, list):
        raise BadBody(_("Send one completion as a JSON object, or a JSON list of them."))
    if not body:
        raise BadBody(_("The list is empty."))
    if len(body) > MAX_API_ITEMS:
        raise BadBody(_("Send at most %(max)d completions per request.") % {"max": MAX_API_ITEMS})
    if not all(isinstance(item, dict) for item in body):
        raise BadBody(_("Every item of the list must be a JSON object."))
    return body, True


def _echo(value) -> str:
    return value[:254] if isinstance(value, str) else ("" if value is None else str(value)[:254])


@extend_schema(
    request=CompletionReportBodySerializer,
    responses={
        200: PolymorphicProxySerializer(
            component_name="CompletionResultBody",
            serializers=[CompletionResultSerializer, CompletionResultSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        400: OpenApiResponse(
            ProviderApiErrorSerializer, description="The body is not an object or a list."
        ),
        401: OpenApiResponse(ProviderApiErrorSerializer, description="No valid provider API key."),
        429: OpenApiResponse(
            ProviderApiErrorSerializer, description="Too many requests with this key."
        ),
        503: OpenApiResponse(
            ProviderApiErrorSerializer,
            description="Briefly unavailable; try again after `Retry-After`.",
        ),
    },
    examples=[
        OpenApiExample(
            "One completion, by learner reference",
            value={
                "learner_reference": "K7QM-3XW9-PA2D",
                "course_id": "ML-101",
                "completed_at": "2025-03-31",
                "grade": "92%",
            },
            request_only=True,
        ),
        OpenApiExample(
            "By voucher code",
            value={"code": "VOUCHER-7F3A-11", "course_id": "ML-101"},
            request_only=True,
        ),
        OpenApiExample(
            "By e-mail address",
            value={"email": "learner@example.org", "course_id": "ML-101"},
            request_only=True,
        ),
        OpenApiExample(
            "Its answer",
            value={
                "learner_reference": "K7QM-3XW9-PA2D",
                "code": "",
                "email": "",
                "course_id": "ML-101",
                "result": "completed",
                "changed": True,
                "detail": "The enrolment is now completed.",
            },
            response_only=True,
        ),
    ],
)
class CompletionsView(ApiKeyView):
    """Report that learners completed your courses: one JSON object, or a list of up to 500.
    Name each learner by exactly one of `learner_reference` (best: every learner has one at your
    platform), `code` (voucher-code access) or `email`.
    Each item is answered in the same order and shape (an object for an object, a list for a
    list). Reporting the same completion again is safe: it answers `already_completed` with
    `changed: false`."""

    api_key_model = ProviderApiKey
    throttle_scope = THROTTLE_SCOPE
    api_key_scheme = (
        "ProviderApiKeyAuth",
        "A course provider's API key, created by a programme admin on the provider keys page: "
        "`Authorization: Api-Key <prefix>.<secret>`.",
    )

    def post(self, request):
        if request.stream is None:  # no body at all
            raise BadBody(_("Send one completion as a JSON object, or a JSON list of them."))
        items, many = _items_of(request.data)
        provider = self.api_key.provider
        answers = []
        for item in items:
            outcome = completion_report(provider=provider, values=item, source="api")
            answers.append(
                {
                    "learner_reference": _echo(item.get("learner_reference")),
                    "code": _echo(item.get("code")),
                    "email": _echo(item.get("email")),
                    "course_id": _echo(item.get("course_id")),
                    "result": outcome.result,
                    "changed": outcome.changed,
                    "detail": outcome.detail,
                }
            )
        return Response(answers if many else answers[0])
