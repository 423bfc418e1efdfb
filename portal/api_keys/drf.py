"""The DRF side of the API-key mechanism, shared by the partner API and the provider API.

A view (`ApiKeyView`) says whose keys it accepts (`api_key_model`: partner or provider keys),
under which throttle scope its requests are counted and how the schema names its key; the one
authentication, permission and throttle class of both APIs take these from it.
"""

from typing import ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ..models import AbstractApiKey
from .services import api_key_authenticate

AUTH_KEYWORD = "Api-Key"
# Overridable per scope with REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].
DEFAULT_RATE = "120/min"


class ApiClient:
    """Who is calling: a system identified by one of its owner's API keys (not a person)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, key: AbstractApiKey):
        self.key = key
        self.owner = key.owner

    def __str__(self) -> str:
        return f"API key {self.key.prefix} of {self.owner}"


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <prefix>.<secret>` of a key of `key_model`. An unknown or revoked
    key, or a key of another owner kind, is a 401; no header leaves the answer to the permission
    (401 too, with the `Api-Key` challenge)."""

    def __init__(self, key_model: type[AbstractApiKey], scheme: tuple[str, str]):
        self.key_model = key_model
        self.scheme_name, self.scheme_description = scheme

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != AUTH_KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Api-Key <key>”.")
            )
        try:
            text = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This API key is not valid.")) from error
        key = api_key_authenticate(self.key_model, text)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid or was revoked."))
        return ApiClient(key), key

    def authenticate_header(self, request) -> str:
        return AUTH_KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of each view's key, named as the view says."""

    target_class = ApiKeyAuthentication

    @property
    def name(self) -> str:
        return self.target.scheme_name

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": self.target.scheme_description,
        }


class HasApiKey(BasePermission):
    """Allows a request authenticated with a key of the view's `api_key_model`."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, view.api_key_model)


class ApiKeyRateThrottle(ScopedRateThrottle):
    """Counts requests per key of the view's `api_key_model`, under the view's `throttle_scope`
    (in the shared cache, so across every web process)."""

    def get_rate(self) -> str:
        # Read at each request, not once at import: the rates are settings.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, view.api_key_model):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class KnownQueryParametersOnly:
    """A view mixin: a query parameter the view does not know is a 400, so that a misspelt
    filter (`?stauts=`) is not quietly ignored. Checked after authentication, so a caller
    without a key still gets 401."""

    query_parameters: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - set(self.query_parameters))
        if unknown:
            raise exceptions.ValidationError(
                {
                    "detail": _("Unknown query parameter: %(names)s.")
                    % {"names": ", ".join(unknown)[:200]}
                }
            )


class ApiKeyView(KnownQueryParametersOnly, APIView):
    """Key authentication only (no session, so no CSRF), JSON in and out, limited per key."""

    api_key_model: ClassVar[type[AbstractApiKey]]
    throttle_scope: ClassVar[str]
    # The OpenAPI security scheme: its name and description.
    api_key_scheme: ClassVar[tuple[str, str]]

    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    # Explicit, so the schema works whatever REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] says.
    schema = AutoSchema()

    def get_authenticators(self):
        return [ApiKeyAuthentication(self.api_key_model, self.api_key_scheme)]

    @property
    def api_key(self) -> AbstractApiKey:
        return self.request.auth
