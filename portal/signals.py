"""Signals the apps above the core listen to (the core imports none of them)."""

from django.dispatch import Signal

# Sent after rows were written in bulk straight into the apps' tables (demo data, benchmarks),
# bypassing their services: whatever is derived from them (the roll-ups) must be rebuilt.
# Receivers run at once, in the sender's thread. No kwargs.
bulk_load_finished = Signal()
