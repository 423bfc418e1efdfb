"""Compile locale/*/LC_MESSAGES/django.po into .mo files without GNU gettext.

The .mo files are committed, so `make run` needs no gettext tools on a fresh machine; the test
suite checks they match the .po files.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
    polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"compiled {po_path.relative_to(ROOT)}")
