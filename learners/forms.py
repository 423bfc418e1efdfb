"""Learner forms: each one says why it asks for every item."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from partners.documents import MAX_DOCUMENTS, validate_evidence
from partners.models import DisplacementStatus, Partner
from portal.models import MessageChannel

from .models import LearnerProfile

CASE_NUMBER_MAX_LENGTH = 64
NOTE_MAX_LENGTH = 1000
ACCEPTED_FILE_TYPES = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("We show the portal and send you e-mails in this language."),
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _(
                "Please tick this box to continue: we cannot keep your information without "
                "your agreement."
            )
        },
        help_text=_(
            "We need your agreement to keep this information. You can download it or delete "
            "your account at any time."
        ),
    )

    class Meta:
        model = LearnerProfile
        fields = ["display_name", "language", "country_of_residence", "country_of_origin"]
        labels = {
            "display_name": _("Your name"),
            "country_of_residence": _("Country where you live now"),
            "country_of_origin": _("Country of origin (optional)"),
        }
        help_texts = {
            "display_name": _(
                "The name that will appear on your certificates. Write it the way you want "
                "others to read it."
            ),
            "country_of_residence": _(
                "We use it to show you the partner organisations that work where you live."
            ),
            "country_of_origin": _(
                "Optional. It helps the programme know which communities it reaches; reports "
                "show only totals. You may leave it empty."
            ),
        }
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "name"})}
        error_messages = {
            "display_name": {"required": _("Please write your name.")},
            "country_of_residence": {
                "required": _("Please choose the country where you live now.")
            },
        }

    def __init__(self, *args, language: str = "", consent_given: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = language
        self.fields["consent"].initial = consent_given
        self.fields["consent"].label = format_html(
            _(
                'I have read the <a href="{}">privacy notice</a> and agree that the portal '
                "keeps this information to run the programme."
            ),
            reverse("portal:privacy"),
        )
        self.fields["display_name"].required = True
        self.fields["country_of_residence"].required = True

    def clean_display_name(self) -> str:
        name = (self.cleaned_data.get("display_name") or "").strip()
        if not name:
            raise ValidationError(_("Please write your name."), code="required")
        return name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files (Django's "Uploading multiple files" pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILE_TYPES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            result = [single_file_clean(item, initial) for item in data]
        else:
            result = [single_file_clean(data, initial)]
        return [item for item in result if item]


class ApplicationForm(forms.Form):
    """A request to one partner to confirm the learner's displacement status."""

    displacement_status = forms.ChoiceField(
        label=_("Your situation"),
        choices=DisplacementStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose the situation that describes you best.")},
    )
    case_number = forms.CharField(
        label=_("Registration or case number (optional)"),
        max_length=CASE_NUMBER_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    documents = MultipleFileField(label=_("Documents (optional)"), required=False)
    note = forms.CharField(
        label=_("Note for the organisation (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_LENGTH}),
    )

    def __init__(self, *args, partner: Partner, existing_documents: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.existing_documents = existing_documents
        who = {"partner": partner.name}
        self.fields["displacement_status"].help_text = (
            _(
                "%(partner)s needs to know this to confirm that you can join the programme. "
                "Only the staff of %(partner)s will see it."
            )
            % who
        )
        self.fields["case_number"].help_text = (
            _(
                "For example a UNHCR or government registration number. It helps %(partner)s "
                "confirm your status faster. It is stored encrypted, and only the staff of "
                "%(partner)s will see it."
            )
            % who
        )
        self.fields["documents"].help_text = _(
            "For example a photo of your registration card. You can add up to %(max)d files "
            "(PDF, JPEG or PNG, at most 5 MB each). Only the staff of %(partner)s will see "
            "them, and they are deleted soon after the decision."
        ) % {**who, "max": MAX_DOCUMENTS}
        if existing_documents:
            self.fields["documents"].label = _("More documents (optional)")
        self.fields["note"].help_text = (
            _(
                "Anything that helps %(partner)s understand your situation (at most 1,000 "
                "characters). Only the staff of %(partner)s will see it."
            )
            % who
        )

    def clean_case_number(self) -> str:
        return (self.cleaned_data.get("case_number") or "").strip()

    def clean_note(self) -> str:
        return (self.cleaned_data.get("note") or "").strip()

    def clean_documents(self) -> list:
        return clean_document_uploads(
            self.cleaned_data.get("documents") or [], existing=self.existing_documents
        )


def clean_document_uploads(files: list, *, existing: int) -> list:
    """The quick checks (count, size, type) with one message per bad file. What a file contains
    is not judged here: every document is rebuilt from its pixels after it is sent."""
    room = max(MAX_DOCUMENTS - existing, 0)
    if len(files) > room:
        if existing:
            message = _(
                "You already have %(existing)d of the %(max)d documents allowed. Please "
                "choose at most %(room)d more."
            ) % {"max": MAX_DOCUMENTS, "existing": existing, "room": room}
        else:
            message = _("You can add at most %(max)d documents.") % {"max": MAX_DOCUMENTS}
        raise ValidationError(message, code="too_many")
    errors: list[ValidationError] = []
    for upload in files:
        try:
            validate_evidence(upload)
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return files


class DocumentsForm(forms.Form):
    """More documents for an application in progress (e.g. in place of one we could not read)."""

    documents = MultipleFileField(
        label=_("Documents"),
        required=True,
        error_messages={"required": _("Please choose at least one file.")},
    )

    def __init__(self, *args, partner: Partner, existing_documents: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_documents = existing_documents
        self.fields["documents"].help_text = _(
            "For example a photo of your registration card. You can add up to %(max)d files "
            "(PDF, JPEG or PNG, at most 5 MB each). Only the staff of %(partner)s will see "
            "them, and they are deleted soon after the decision."
        ) % {"partner": partner.name, "max": MAX_DOCUMENTS}

    def clean_documents(self) -> list:
        return clean_document_uploads(
            self.cleaned_data.get("documents") or [], existing=self.existing_documents
        )


class MessageChannelForm(forms.Form):
    """How the learner hears from us: only the channels they can receive are offered."""

    channel = forms.ChoiceField(
        label=_("Send me messages by"),
        widget=forms.RadioSelect,
        help_text=_(
            "We tell you when your application is received and decided, when your course "
            "access is ready, when you move up a waiting list, and when your certificate is "
            "issued."
        ),
        error_messages={"required": _("Please choose how we should send you messages.")},
    )

    def __init__(self, *args, offered: list[str], initial_channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(MessageChannel.choices)
        self.fields["channel"].choices = [(value, labels[value]) for value in offered]
        self.fields["channel"].initial = initial_channel
