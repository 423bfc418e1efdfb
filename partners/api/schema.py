"""The OpenAPI 3 schema of the machine-client APIs (/api/schema/): the partner API and the
provider API, with each one's API-key scheme."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from portal.api_keys.drf import DEFAULT_RATE


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
        "partners.api.schema.request_bodies_required",
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
