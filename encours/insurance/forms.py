from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from encours.insurance.models import Decision, DecisionMapping, InsurancePolicy
from encours.ledger import selectors
from encours.web import formats


class DecisionImportForm(forms.Form):
    file = forms.FileField(label=_("Decision file (CSV or XLSX)"))
    entity = forms.ModelChoiceField(label=_("Insured entity"), queryset=None)
    policy = forms.CharField(label=_("Policy number"), max_length=60)
    insurer = forms.CharField(label=_("Insurer (for a new policy)"), max_length=120, required=False)
    mapping = forms.ModelChoiceField(
        label=_("Column mapping"),
        queryset=DecisionMapping.objects.all(),
        required=False,
        empty_label=_("Default columns"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = selectors.entities_for(user)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    granted_amount = formats.AmountField(label=_("Granted amount"), min_value=0, max_digits=16, decimal_places=2)
    effective_on = forms.DateField(label=_("Effective on"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AmountForm(forms.Form):
    amount = formats.AmountField(label=_("Amount"), max_digits=16, decimal_places=2)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference"), max_length=60, required=False)


class PremiumForm(forms.Form):
    policy = forms.ModelChoiceField(label=_("Policy"), queryset=InsurancePolicy.objects.none())
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    )

    def __init__(self, *args: Any, policies: list[InsurancePolicy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = InsurancePolicy.objects.filter(pk__in=[p.pk for p in policies])
