"""The catalogue's filters (a GET form: the page works without JavaScript, links can be shared)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..models import CourseLevel, Provider
from ..selectors import CatalogueFilters

ANY = [("", _("Any"))]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(),
        help_text=_("Words from the course's title or description."),
    )
    subject = forms.ChoiceField(
        label=_("Subject"),
        required=False,
        help_text=_("Show only courses about this subject."),
    )
    language = forms.ChoiceField(
        label=_("Language of the course"),
        required=False,
        choices=[*ANY, *settings.LANGUAGES],
        help_text=_("Show only courses taught in this language."),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[*ANY, *CourseLevel.choices],
        help_text=_("Beginner courses expect no earlier study of the subject."),
    )
    provider = forms.ChoiceField(
        label=_("Provider"),
        required=False,
        help_text=_("The organisation that teaches the course."),
    )

    def __init__(self, *args, subjects: list[str], providers: list[Provider], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [*ANY, *((s, s) for s in subjects)]
        self.fields["provider"].choices = [*ANY, *((p.slug, p.name) for p in providers)]

    def filters(self) -> CatalogueFilters:
        """The filters to apply: those that are valid (an unknown value is shown as an error
        and left out, so the page still lists courses)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CatalogueFilters(
            search=(data.get("q") or "").strip(),
            language=data.get("language") or "",
            subject=data.get("subject") or "",
            provider=data.get("provider") or "",
            level=data.get("level") or "",
        )
