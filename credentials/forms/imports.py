"""Forms for provider API keys, completion files (programme admins) and bulk enrolment files
(coordinators)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.csv_upload import MAX_ROWS, CsvFileField

from ..models import Provider


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, provider: Provider) -> str:
        return provider.name


class ProviderApiKeyCreateForm(forms.Form):
    provider = ProviderChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.filter(is_active=True).order_by("name"),
        help_text=_(
            "The key lets this provider's system report completions of its own courses, and "
            "nothing else."
        ),
    )
    name = forms.CharField(
        label=_("Name of the key"),
        max_length=100,
        help_text=_(
            "Say which system uses it (e.g. “completions feed, production”), so you know which "
            "key to revoke later."
        ),
    )


class CompletionUploadForm(forms.Form):
    provider = ProviderChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.order_by("name"),
        help_text=_(
            "Whose report this is: the course ids in the file are this provider's own ids, and "
            "only this provider's enrolments are looked at."
        ),
    )
    csv_file = CsvFileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["csv_file"].help_text = _(
            "A CSV file saved as UTF-8, at most 2 MB and %(max)s lines. The first line names "
            "the columns: learner_reference,code,email,course_id,completed_at,grade (only "
            "course_id and one of learner_reference, code or email are needed). Each line names "
            "the learner by exactly one of: learner_reference, the reference the portal gave "
            "this provider for the learner (like K7QM-3XW9-PA2D); code, the voucher code they "
            "redeemed; or email, their address as sent to the provider. course_id is the "
            "provider's own course id; completed_at is a date like 2025-03-31 (empty means "
            "today); grade is shown on the learner's record as the provider wrote it."
        ) % {"max": f"{MAX_ROWS:,}"}


class BulkEnrolmentUploadForm(forms.Form):
    csv_file = CsvFileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["csv_file"].help_text = _(
            "A CSV file saved as UTF-8, at most 2 MB and %(max)s lines. The first line must be "
            "the header email,course. email is the address of a learner your organisation has "
            "verified; course is the course's number in this portal (listed below) — not the "
            "provider's course id. A column named course_id is read as the portal's number too."
        ) % {"max": f"{MAX_ROWS:,}"}
