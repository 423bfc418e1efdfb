"""The partner API's bodies: what an application looks like to a partner's system (the minimum:
never a name, an e-mail address or a case number), and a decision."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from ..models import Application, RejectionReason
from ..services.applications import Decision


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
