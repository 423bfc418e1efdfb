"""docs/data-inventory.md lists every field of every model of the portal's apps (and of the
allauth and session tables it uses): a new field fails this test until the inventory says
whether it is personal, why it is kept and for how long."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

INVENTORY = Path(settings.BASE_DIR) / "docs" / "data-inventory.md"
# The portal's own apps, then the third-party tables that hold data about people.
APPS = ("portal", "partners", "credentials", "learners", "reporting")
THIRD_PARTY = ("account", "mfa", "usersessions", "sessions")

ROW = re.compile(r"^\|\s*([a-z_]+\.[A-Za-z]+\.[a-z0-9_]+)\s*\|([^|]*)\|([^|]*)\|([^|]*)\|\s*$")
NOT_PERSONAL = re.compile(r"^Not personal — ([a-z_]+\.[A-Za-z]+): (.+)$")


def model_fields(labels) -> set[str]:
    names = set()
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy:
                continue
            fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
            names |= {f"{label}.{model.__name__}.{field.name}" for field in fields}
    return names


def inventory() -> tuple[dict[str, tuple[str, str, str]], set[str]]:
    """(personal rows: field → (personal?, why, how long), fields listed as not personal)."""
    personal, plain = {}, set()
    for line in INVENTORY.read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line.strip()):
            personal[match[1]] = tuple(part.strip() for part in match.groups()[1:])
        elif match := NOT_PERSONAL.match(line.strip()):
            plain |= {f"{match[1]}.{name.strip()}" for name in match[2].split(",")}
    return personal, plain


def test_every_field_of_every_model_is_in_the_data_inventory():
    personal, plain = inventory()
    missing = model_fields(APPS + THIRD_PARTY) - set(personal) - plain
    assert not missing, (
        "Add these fields to docs/data-inventory.md (personal: a table row saying why and how "
        f"long; otherwise the model's 'Not personal' line): {sorted(missing)}"
    )


def test_the_inventory_lists_no_field_that_does_not_exist():
    personal, plain = inventory()
    assert not (set(personal) | plain) - model_fields(APPS + THIRD_PARTY)


def test_no_field_is_listed_as_both_personal_and_not_personal():
    personal, plain = inventory()
    assert not set(personal) & plain


def test_every_personal_field_says_why_and_for_how_long():
    personal, _plain = inventory()
    for name, (is_personal, why, how_long) in personal.items():
        assert is_personal in ("yes", "sensitive"), name
        assert why and how_long, name


def test_the_inventory_catches_a_new_field():
    """The check is not vacuous: a field it has never seen is reported."""
    personal, plain = inventory()
    assert "portal.User.email" in personal
    assert "portal.User.favourite_colour" not in set(personal) | plain
