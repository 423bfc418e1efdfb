"""API-key authentication shared by the machine-client APIs (partners, course providers).

A key is sent as `Authorization: Api-Key <prefix>.<secret>`; each API says how a key is found
(its own key model and service) and who the caller is. Only hashes of secrets are stored.
"""

from abc import abstractmethod

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

AUTH_KEYWORD = "Api-Key"
DEFAULT_RATE = "120/min"


class ApiClient:
    """Who is calling: a system identified by one of its API keys (not a person)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, key):
        self.key = key

    def __str__(self) -> str:
        return f"API key {self.key.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    """An unknown or revoked key is a 401; no header leaves the answer to the permission."""

    @abstractmethod
    def find_key(self, raw: str): ...

    @abstractmethod
    def client_for(self, key) -> ApiClient: ...

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != AUTH_KEYWORD.lower().encode():
            return None  # no key given: the permission check answers 401
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Api-Key <key>”.")
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This API key is not valid.")) from error
        key = self.find_key(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid or was revoked."))
        return self.client_for(key), key

    def authenticate_header(self, request) -> str:
        return AUTH_KEYWORD


class HasApiKey(BasePermission):
    """Allows a request authenticated with a key of `key_model`."""

    key_model: type

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, self.key_model)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Counts requests per API key (in the shared cache, so across every web process)."""

    key_model: type

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, self.key_model):
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
