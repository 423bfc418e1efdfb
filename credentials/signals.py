"""Signals other parts of the portal listen to (credential issuance listens to completions)."""

from django.dispatch import Signal

# Sent after commit when an enrolment becomes completed; kwargs: enrolment_id.
enrolment_completed = Signal()
