"""Asking for an export: the kinds and partners offered depend on who asks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .models import ExportKind
from .selectors_exports import export_kinds_for, export_partner_choices

KIND_HELP = {
    ExportKind.PROGRAMME_AGGREGATES: _(
        "Counts for the whole programme by month, country, provider and partner."
    ),
    ExportKind.PARTNER_AGGREGATES: _("Counts for one partner by month, country and provider."),
}


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, partner: Partner) -> str:
        return partner.name


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to export"), widget=forms.RadioSelect)
    partner = PartnerChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.none(),
        required=False,
        help_text=_("For partner figures: whose figures."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = export_kinds_for(user)
        self.fields["kind"].choices = [(kind, ExportKind(kind).label) for kind in kinds]
        partners = export_partner_choices(user)
        self.fields["partner"].queryset = partners
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        only = list(partners[:2])
        if len(only) == 1:
            self.fields["partner"].initial = only[0].pk

    def clean(self):
        cleaned = super().clean()
        kind, partner = cleaned.get("kind"), cleaned.get("partner")
        if kind == ExportKind.PARTNER_AGGREGATES:
            if partner is None and "partner" not in self.errors:
                self.add_error("partner", _("Choose the partner whose figures you want."))
        else:
            cleaned["partner"] = None
        return cleaned
