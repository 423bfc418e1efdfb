"""The import contracts between the apps (pyproject.toml, [tool.importlinter]; `make lint` and CI
run them) hold for the code, and they bite: a copy of the apps with one forbidden import added
makes lint-imports fail and name the import. No database, no network: the copies are the
project's own .py files in a temporary directory."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
APPS = ("config", "demo", "reporting", "learners", "credentials", "partners", "portal")


def _lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _python_files_only(folder: str, names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if name == "__pycache__" or (not name.endswith(".py") and not Path(folder, name).is_dir())
    ]


@pytest.fixture(scope="module")
def apps_copy(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("apps")
    for app in APPS:
        shutil.copytree(ROOT / app, where / app, ignore=_python_files_only)
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def test_the_code_keeps_every_import_contract():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_unchanged_copy_keeps_every_contract(apps_copy):
    # The copy is faithful: whatever breaks below, breaks because of the added import.
    result = _lint_imports(apps_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "forbidden", "complaint"),
    [
        # The core knows no app.
        ("portal/models.py", "partners.models", "portal is not allowed to import partners"),
        # credentials is below reporting (the seat pages' figures live in reporting).
        (
            "credentials/selectors.py",
            "reporting.suppression",
            "credentials is not allowed to import reporting",
        ),
        # An app never reaches the composition at the top.
        ("learners/views.py", "config.urls", "learners is not allowed to import config"),
        # Reporting and demo data sit side by side and do not know each other.
        (
            "demo/bulk_seed/__init__.py",
            "reporting.refresh",
            "demo is not allowed to import reporting",
        ),
        # Inside an app, reads do not call writes.
        (
            "partners/selectors.py",
            "partners.services.applications",
            "partners.selectors is not allowed to import partners.services",
        ),
        # ... also in a selectors module split off by concern.
        (
            "credentials/selectors_imports.py",
            "credentials.services.imports",
            "credentials.selectors_imports is not allowed to import credentials.services",
        ),
    ],
)
def test_a_forbidden_import_fails_lint_imports(apps_copy, module, forbidden, complaint):
    path = apps_copy / module
    original = path.read_text()
    path.write_text(f"{original}\nimport {forbidden}  # the forbidden import\n")
    try:
        result = _lint_imports(apps_copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    assert complaint in result.stdout
    importer = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    assert f"- {importer} -> {forbidden} (l." in result.stdout
