"""Forms of the staff review pages: the queue's filters and search, and the three decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from ..models import ApplicationStatus, Partner, RejectionReason
from ..selectors import QueueFilters
from ..services.applications import Decision

# The status tab that shows every application whatever its state.
ALL_STATUSES = "all"

AGE_CHOICES = [
    ("", _("Any age")),
    ("7", _("Older than 7 days")),
    ("14", _("Older than 14 days")),
    ("30", _("Older than 30 days")),
]


class QueueFilterForm(forms.Form):
    """The queue's filters. Status, country and age travel in the link (GET); the search term
    only ever in a POST body, so a case number or e-mail never lands in a URL, a browser's
    history or a server's access log."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(ALL_STATUSES, _("All")), *ApplicationStatus.choices],
    )
    country = forms.ChoiceField(
        label=_("Country of residence"),
        required=False,
        help_text=_("Show only applicants who live in this country."),
    )
    age = forms.ChoiceField(
        label=_("Waiting time"),
        required=False,
        choices=AGE_CHOICES,
        help_text=_("Show only applications submitted before this many days ago."),
    )
    q = forms.CharField(
        label=_("Case number or e-mail address"),
        required=False,
        max_length=254,
        strip=True,
        help_text=_(
            "Exact search: type the whole registration number (spaces, dashes and capital "
            "letters do not matter) or the learner's whole e-mail address."
        ),
    )

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        # The countries the partner serves; every country if it has not said.
        served = [(c.code, c.name) for c in partner.countries] or list(all_countries)
        self.fields["country"].choices = [("", _("All countries")), *served]

    def filters(self) -> QueueFilters:
        """The filters to apply: the valid values, and the defaults for anything invalid."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        status = data.get("status") or ApplicationStatus.SUBMITTED
        return QueueFilters(
            status="" if status == ALL_STATUSES else status,
            country=data.get("country") or "",
            older_than_days=int(data["age"]) if data.get("age") else None,
            search=data.get("q") or "",
        )


class DecisionForm(forms.Form):
    """One of the three decisions; the page posts `decision` and that decision's fields."""

    decision = forms.CharField(widget=forms.HiddenInput)
    decision_value: str = ""

    def __init__(self, *args, **kwargs):
        # Field names stay plain (`decision`, `note`); the ids differ so the three forms can
        # share a page.
        kwargs.setdefault("auto_id", f"id_{self.decision_value}_%s")
        super().__init__(*args, **kwargs)
        self.fields["decision"].initial = self.decision_value

    def clean_decision(self) -> str:
        if self.cleaned_data["decision"] != self.decision_value:
            raise forms.ValidationError(_("Unknown decision."))
        return self.decision_value

    def service_arguments(self) -> dict:
        return {"note": self.cleaned_data.get("note", "")}


class ApproveForm(DecisionForm):
    decision_value = Decision.APPROVE
    note = forms.CharField(
        label=_("Note for your colleagues (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Kept with the decision so your team knows how the status was confirmed. "
            "It is never sent by e-mail."
        ),
    )


class RequestInfoForm(DecisionForm):
    decision_value = Decision.REQUEST_INFO
    message = forms.CharField(
        label=_("What do you need from the learner?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The learner reads this when they sign in, and can then answer and send the "
            "application again. It is not sent by e-mail."
        ),
        error_messages={"required": _("Please write what information you need.")},
    )

    def service_arguments(self) -> dict:
        return {"message": self.cleaned_data["message"]}


class RejectForm(DecisionForm):
    decision_value = Decision.REJECT
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *RejectionReason.choices],
        help_text=_("Recorded with the decision, so decisions can be counted and checked."),
        error_messages={"required": _("Please choose a reason.")},
    )
    note = forms.CharField(
        label=_("Note for your colleagues (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the decision for your team. It is never sent by e-mail."),
    )

    def service_arguments(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "note": self.cleaned_data["note"]}


DECISION_FORMS: dict[str, type[DecisionForm]] = {
    form.decision_value: form for form in (ApproveForm, RequestInfoForm, RejectForm)
}
