"""Signals the apps above the core listen to (the core imports none of them)."""

from django.dispatch import Signal

# Sent after demo or benchmark data was loaded (`seed_demo`, and the bulk seeding that writes
# straight into the apps' tables): whatever is derived from them (the roll-ups) is rebuilt now.
# Receivers run at once, in the sender's thread. No kwargs.
bulk_load_finished = Signal()
