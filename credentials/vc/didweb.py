"""did:web (W3C CCG did:web method): the issuer identified by the portal's domain.

`did:web:learn.example.org` is resolved by fetching https://learn.example.org/.well-known/did.json;
with a path, `did:web:example.org:portal` is https://example.org/portal/did.json; a port is
percent-encoded (`did:web:example.org%3A8443`). The DID document lists every key the portal ever
signed with as a Multikey verification method `<did>#key-N`; `assertionMethod` names those whose
credentials may still be trusted.
"""

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "testserver"}  # noqa: S104 (names, not a bind)


def is_public_https(url: str) -> bool:
    """Whether `url` is an https address on a host other than this machine (a real domain)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return False
    return host not in LOCAL_HOSTS and not host.endswith(".localhost")


def did_web_for_url(url: str) -> str:
    """The did:web of a site: `https://learn.example.org` -> `did:web:learn.example.org`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port:
        host = f"{host}:{parts.port}"
    segments = [quote(host, safe="")]
    segments += [quote(part, safe="") for part in parts.path.strip("/").split("/") if part]
    return "did:web:" + ":".join(segments)


def did_web_document_url(did: str) -> str:
    """Where a did:web's document is published (the did:web resolution rule)."""
    if not did.startswith("did:web:"):
        raise ValueError("not a did:web")
    segments = [unquote(part) for part in did.removeprefix("did:web:").split("#")[0].split(":")]
    host, path = segments[0], segments[1:]
    if not path:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(path)}/did.json"


def did_web_path(did: str) -> str:
    """The path of the document on its host ("/.well-known/did.json" or "/portal/did.json")."""
    return urlsplit(did_web_document_url(did)).path


@dataclass(frozen=True)
class PublishedKey:
    key_id: str  # "key-1"
    public_key_multibase: str
    trusted: bool  # listed under assertionMethod


def did_document(did: str, keys: list[PublishedKey]) -> dict:
    methods = [
        {
            "id": f"{did}#{key.key_id}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
    ]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [f"{did}#{key.key_id}" for key in keys if key.trusted],
    }
