"""The form of a learner reference (docs/decisions/0022-learner-references.md): 12 characters of
Crockford base32 drawn with `secrets` (60 bits), easy to type on a phone and to read aloud.

Stored canonical (`K7QM3XW9PA2D`), shown in groups of four (`K7QM-3XW9-PA2D`), and read back
whatever the case, with or without dashes and spaces, with the letters people confuse with
digits folded (O → 0, I and L → 1) and non-Latin digits (Arabic-Indic, Persian) as their value.
"""

import re
import secrets
import unicodedata

# Crockford's alphabet: digits and letters without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
GROUP = 4
_FOLDED = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Separators people (and spreadsheets) put between the groups.
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015]+")
_CANONICAL = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def reference_new() -> str:
    """A new random reference, canonical."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def reference_display(reference: str) -> str:
    """`K7QM3XW9PA2D` → `K7QM-3XW9-PA2D`."""
    return "-".join(reference[i : i + GROUP] for i in range(0, len(reference), GROUP))


def reference_normalise(text: object) -> str | None:
    """The canonical reference a person or a provider typed, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    digits = "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text
    )
    candidate = _SEPARATORS.sub("", digits).upper().translate(_FOLDED)
    return candidate if _CANONICAL.fullmatch(candidate) else None


def reference_email(reference: str, domain: str) -> str:
    """The pseudonymous address a provider that insists on an e-mail gets for this reference."""
    return f"{reference.lower()}@{domain}"
