from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from encours.collections.models import Action, CallTask, Channel, DunningScenario, PenaltyRate
from encours.ledger.models import Category, Item
from encours.web import formats

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallTask.Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
    call_back_on = forms.DateField(label=_("Call back on"), required=False, widget=DATE)
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PromiseForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        label=_("Invoices"), queryset=Item.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    amount = formats.AmountField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0)
    promised_date = forms.DateField(label=_("Promised date"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        field.queryset = items  # type: ignore[attr-defined]
        field.label_from_instance = lambda item: (
            f"{item.number} · {formats.short_date(item.due_date)} · {formats.money(item.open_amount, item.currency)}"
        )  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("promised_date", timezone.localdate() + timedelta(days=7))


class RunForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=DATE)
    entity = forms.ModelChoiceField(label=_("Entity"), queryset=None, required=False, empty_label=_("All entities"))  # type: ignore[arg-type]

    def __init__(self, *args: Any, entities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]


class StepForm(forms.Form):
    order = forms.IntegerField(label=_("Order"), min_value=1)
    code = forms.SlugField(label=_("Code"), max_length=40)
    offset_days = forms.IntegerField(label=_("Days from due date"), min_value=-60, max_value=365)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    action = forms.ChoiceField(label=_("Action"), choices=Action.choices)
    min_amount = formats.AmountField(label=_("Minimum amount"), max_digits=18, decimal_places=2, min_value=0)


class ScenarioForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Customer categories"), choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = DunningScenario
        fields = ["name", "categories", "is_active"]


class RateForm(forms.Form):
    table = forms.ChoiceField(label=_("Table"), choices=PenaltyRate.Table.choices)
    half_year = forms.CharField(label=_("Half-year"), max_length=7, help_text=_("e.g. 2026-H1"))
    rate_pct = forms.DecimalField(label=_("Rate (%)"), max_digits=6, decimal_places=3)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class CustomerDunningForm(forms.Form):
    scenario = forms.ModelChoiceField(
        label=_("Scenario"), queryset=DunningScenario.objects.all(), required=False, empty_label=_("By category")
    )
    paused_until = forms.DateField(label=_("Paused until"), required=False, widget=DATE)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Customer's")), ("fr", "Français"), ("en", "English")]
    )
    preferred_contact = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)  # type: ignore[arg-type]

    def __init__(self, *args: Any, contacts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_contact"].queryset = contacts  # type: ignore[attr-defined]


class TextForm(forms.Form):
    """A dunning text being edited: which step and language, the templates, the preview customer."""

    scenario_code = forms.ChoiceField(label=_("Scenario"), required=False)
    step_code = forms.ChoiceField(label=_("Step"))
    language = forms.ChoiceField(label=_("Language"), choices=[("fr", "Français"), ("en", "English")])
    customer = forms.CharField(
        label=_("Preview on the customer (account number)"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"list": "preview-customers", "autocomplete": "off"}),
    )  # fmt: skip
    subject = forms.CharField(label=_("Subject"), max_length=300, widget=forms.TextInput(attrs={"size": 90}))
    body = forms.CharField(label=_("E-mail body"), widget=forms.Textarea(attrs={"rows": 22, "cols": 100}))
    letter = forms.CharField(
        label=_("Letter opening (letters only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 100}),
    )  # fmt: skip

    def __init__(self, *args: Any, scenarios: list[tuple[str, str]], steps: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scenario_code"].choices = [("", _("Every scenario")), *scenarios]  # type: ignore[attr-defined]
        self.fields["step_code"].choices = [(code, code) for code in steps]  # type: ignore[attr-defined]
