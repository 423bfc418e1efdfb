"""The only JSON-LD document loader the portal uses: contexts kept in the repository, never the
network. An unknown URL is an error, so a credential can never depend on a remote document."""

import json
from functools import cache
from pathlib import Path

from pyld.jsonld import JsonLdError

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

LOCAL_CONTEXTS = {
    VC_V2_CONTEXT: "credentials-v2.jsonld",
    OB_V3_CONTEXT: "ob-v3p0-context-3.0.3.json",
}


@cache
def context_document(url: str) -> dict:
    return json.loads((CONTEXTS_DIR / LOCAL_CONTEXTS[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    if url not in LOCAL_CONTEXTS:
        raise JsonLdError(
            f"Only the portal's local contexts may be loaded, not {url!r}.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url)}
