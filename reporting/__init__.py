"""Programme reporting: roll-ups maintained by Celery, dashboards, exports, scheduled reports."""
