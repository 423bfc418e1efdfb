"""Completion reports (provider API and admins' CSV files) and coordinators' bulk enrolment files.

A CSV file is checked as a whole when it is uploaded (portal.csv_upload: size, encoding, header)
and stored as an ImportJob with one ImportRow per line (`uploads`); a background job then handles
the rows in order, each in its own transaction together with its result, so a re-run skips what
is done and changes nothing (`jobs`). A completion is recorded the same way whether it comes from
the API or from a line (`reports`); `results` names what a line can come to, and why.
"""

from ...import_results import (
    REASONS,
    RESULTS,
    SUCCESSES,
    BulkEnrolmentResult,
    CompletionResult,
    reason_text,
    result_label,
)
from .jobs import import_job_process, import_jobs_reconcile
from .reports import MAX_API_ITEMS, CompletionOutcome, completion_report, completion_values_check
from .uploads import (
    BULK_COLUMNS,
    COMPLETION_COLUMNS,
    bulk_enrolment_create,
    completion_import_create,
)

__all__ = [
    "BULK_COLUMNS",
    "COMPLETION_COLUMNS",
    "MAX_API_ITEMS",
    "REASONS",
    "RESULTS",
    "SUCCESSES",
    "BulkEnrolmentResult",
    "CompletionOutcome",
    "CompletionResult",
    "bulk_enrolment_create",
    "completion_import_create",
    "completion_report",
    "completion_values_check",
    "import_job_process",
    "import_jobs_reconcile",
    "reason_text",
    "result_label",
]
