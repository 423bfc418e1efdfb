"""Registration (case) numbers: how they are compared and revealed. Pure functions, used by the
services that store them and the selectors that search by them."""

import re
import unicodedata

from portal.crypto import decrypt_text, keyed_hash

from .models import Application


def case_number_normalise(value: str) -> str:
    """Spaces, dashes and letter case do not matter in a registration number."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\W_]+", "", value).upper()


def case_number_hash(value: str) -> str:
    normalised = case_number_normalise(value)
    return keyed_hash(normalised, purpose="case-number") if normalised else ""


def case_number_reveal(application: Application) -> str:
    return (
        decrypt_text(application.case_number_encrypted) if application.case_number_encrypted else ""
    )
