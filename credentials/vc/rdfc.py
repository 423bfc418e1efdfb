"""RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, with PyLD and local contexts.

PyLD 3.3 escapes only \\, \\t, \\n, \\r and " in literals. RDFC-1.0 (and Digital Bazaar's
rdf-canonize, which verifiers use) also escapes \\b and \\f as ECHARs and every other character
below U+0020, and U+007F, as \\uXXXX. The difference changes both the canonical N-Quads and the
blank-node hashes, so a name with such a character would not verify. `rdfc_escape` is the
RDFC-1.0 rule; it replaces PyLD's escape function, which its N-Quads serialiser (used by the
canonicaliser for both hashing and output) looks up at call time.

IRIs too: rdf-canonize writes the characters N-Quads forbids in an IRI (U+0000 to U+0020, and
<>"{}|^`\\) as \\uXXXX, PyLD writes them as they are. A provider's website may hold one (Django's
URLField accepts `|`, `{`, `^`...), so the serialiser is wrapped to escape IRIs the same way.
"""

import re

import pyld.canon
import pyld.nquads
from pyld import jsonld

from .loader import document_loader

_ECHARS = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_LITERAL_ESCAPES = re.compile(r'[\x00-\x1f\x7f"\\]')


def _escape_char(match: re.Match) -> str:
    char = match.group(0)
    return _ECHARS.get(char) or f"\\u{ord(char):04X}"


def rdfc_escape(value: str) -> str:
    return _LITERAL_ESCAPES.sub(_escape_char, value)


_IRI_ESCAPES = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def rdfc_iri_escape(iri: str) -> str:
    return _IRI_ESCAPES.sub(lambda match: f"\\u{ord(match.group(0)):04X}", iri)


def _iri_escaped(term: dict) -> dict:
    if term.get("type") == "IRI":
        return {**term, "value": rdfc_iri_escape(term["value"])}
    if term.get("type") == "literal" and "datatype" in term:
        return {**term, "datatype": rdfc_iri_escape(term["datatype"])}
    return term


_pyld_serialize_nquad = pyld.nquads.serialize_nquad


def rdfc_serialize_nquad(triple: dict, graph_name: str | None = None) -> str:
    quad = {part: _iri_escaped(triple[part]) for part in ("subject", "predicate", "object")}
    graph = triple.get("name", {"value": graph_name})["value"]
    if graph is not None and not graph.startswith("_:"):
        graph = rdfc_iri_escape(graph)
    return _pyld_serialize_nquad(quad, graph)


pyld.nquads.escape = rdfc_escape
# The canonicaliser imported the serialiser by name, so it is replaced where it is used.
pyld.nquads.serialize_nquad = pyld.canon.serialize_nquad = rdfc_serialize_nquad

JSONLD_OPTIONS = {"documentLoader": document_loader}


def canonize(document: dict) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    return jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", **JSONLD_OPTIONS},
    )


class UndefinedTermError(ValueError):
    """The document has a property or type its contexts do not define (it would be dropped)."""


def check_all_terms_defined(document: dict) -> None:
    """Refuse what a "safe mode" JSON-LD processor would: a term that expansion drops.

    Expanding and compacting again with the document's own context gives back exactly the
    document when every term is defined; a dropped term shows as a difference.
    """
    expanded = jsonld.expand(document, JSONLD_OPTIONS)
    relative = _relative_iris(expanded)
    if relative:
        raise UndefinedTermError(f"Types or terms that are not absolute IRIs: {relative}")
    compacted = jsonld.compact(expanded, {"@context": document["@context"]}, JSONLD_OPTIONS)
    dropped = _missing_keys(document, compacted)
    if dropped:
        raise UndefinedTermError(f"Terms not defined by the credential's contexts: {dropped}")


def _missing_keys(original, roundtrip, path: str = "") -> list[str]:
    missing = []
    if isinstance(original, dict):
        if not isinstance(roundtrip, dict):
            return [path or "/"]
        for key, value in original.items():
            if key == "@context":
                continue
            if key not in roundtrip:
                missing.append(f"{path}/{key}")
            else:
                missing += _missing_keys(value, roundtrip[key], f"{path}/{key}")
    elif isinstance(original, list):
        other = roundtrip if isinstance(roundtrip, list) else [roundtrip]
        if len(other) != len(original):
            return [path]
        for index, (a, b) in enumerate(zip(original, other, strict=True)):
            missing += _missing_keys(a, b, f"{path}/{index}")
    return missing


_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _is_relative(iri: str) -> bool:
    # PyLD resolves a relative IRI against its placeholder base (http://example.org/base/) when
    # the document has none, so an undefined type comes out looking absolute; jsonld.js in safe
    # mode refuses it ("relative @type reference").
    if iri.startswith("_:"):
        return False
    return not _ABSOLUTE_IRI.match(iri) or iri.startswith(jsonld.DEFAULT_BASE_IRI)


def _relative_iris(expanded) -> list[str]:
    """Property names, @type and @id values in an expanded document that are not absolute IRIs
    (an undefined type expands to a relative IRI instead of being dropped)."""
    found = []
    if isinstance(expanded, list):
        for item in expanded:
            found += _relative_iris(item)
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if key in ("@type", "@id"):
                iris = value if isinstance(value, list) else [value]
                found += [iri for iri in iris if isinstance(iri, str) and _is_relative(iri)]
            elif not key.startswith("@") and _is_relative(key):
                found.append(key)
            if key != "@value":
                found += _relative_iris(value)
    return found
