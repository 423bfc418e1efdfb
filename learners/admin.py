"""Deliberately empty: no learner record is shown in the Django admin (docs/decisions/0014).

A learner profile holds a person's name, countries and (for assisted learners) a phone number;
programme admins work with counts (the reporting pages), never with individuals. Do not register
LearnerProfile or DataExport here.
"""
