from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from encours.core.identifiers import siren_error
from encours.risk.models import STATEMENT_FIELDS, Guarantee, RiskSettings
from encours.web import formats


class StatementForm(forms.Form):
    siren = forms.CharField(label=_("SIREN"), max_length=11)
    name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    year = forms.IntegerField(label=_("Fiscal year"), min_value=1900, max_value=2200)
    closed_on = forms.DateField(label=_("Closing date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, label in STATEMENT_FIELDS:
            self.fields[name] = formats.AmountField(label=label, required=False, max_digits=20, decimal_places=2)

    def clean_siren(self) -> str:
        siren = self.cleaned_data["siren"].replace(" ", "")
        problem = siren_error(siren)
        if problem:
            raise forms.ValidationError(problem)
        return siren

    def amounts(self) -> dict[str, object]:
        return {name: self.cleaned_data.get(name) for name, _label in STATEMENT_FIELDS}


class UploadForm(forms.Form):
    KINDS = (
        ("statements", _("Financial statements")),
        ("ratings", _("Ratings")),
        ("legal_events", _("Legal events (BODACC)")),
    )
    kind = forms.ChoiceField(label=_("File"), choices=KINDS)
    file = forms.FileField(label=_("CSV or XLSX file"))
    mapping = forms.CharField(label=_("Mapping (optional)"), required=False, max_length=80)


class LimitRequestForm(forms.Form):
    amount = formats.AmountField(label=_("Amount"), min_value=0, max_digits=20, decimal_places=2)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    for_group = forms.BooleanField(label=_("For the whole group"), required=False)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)


class GuaranteeForm(forms.ModelForm):
    class Meta:
        model = Guarantee
        fields = ["kind", "amount", "issuer", "reference", "valid_from", "expires_on"]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
        }


class SettingsForm(forms.ModelForm):
    class Meta:
        model = RiskSettings
        fields = [
            "weight_financial", "weight_payer", "weight_external_rating", "weight_legal", "weight_seniority",
            "floor_a", "floor_b", "floor_c", "floor_d", "altman_safe_above", "altman_grey_from",
            "conan_safe_above", "conan_grey_from", "conan_alert_from", "hold_overdue_days", "reject_overdue_days",
            "no_limit_threshold", "over_limit_tolerance_percent", "over_limit_tolerance_amount", "limit_review_days",
        ]  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in ALERT_FIELDS:  # left empty: the current value stays
            self.fields[name].required = False

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ALERT_FIELDS:
            if data.get(name) is None:
                data.pop(name, None)
        return data


ALERT_FIELDS = (
    "no_limit_threshold", "over_limit_tolerance_percent", "over_limit_tolerance_amount", "limit_review_days",
)  # fmt: skip
