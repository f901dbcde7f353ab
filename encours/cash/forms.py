from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from encours.cash.models import BankAccount, MatchingSettings
from encours.core.errors import EncoursError
from encours.core.formats.bank_csv import BankCsvMapping
from encours.core.identifiers import iban_error, normalize_iban
from encours.ledger.models import LegalEntity


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (camt.053, camt.054, MT940, CFONB 120 or CSV)"))
    entity = forms.ModelChoiceField(
        queryset=LegalEntity.objects.none(),
        label=_("Legal entity (for a bank account not yet known)"),
        required=False,
    )
    account = forms.ModelChoiceField(
        queryset=BankAccount.objects.none(), label=_("Bank account (CSV files)"), required=False
    )

    def __init__(self, *args: Any, entities: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities
        self.fields["account"].queryset = accounts


class BankAccountForm(forms.ModelForm):
    csv_mapping_text = forms.CharField(
        label=_("CSV column mapping (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            'For CSV exports only, e.g. {"date_column": "Date", "amount_column": "Montant", '
            '"payer_name_column": "Tiers", "text_columns": ["Libellé"], "skip_rows": 0}'
        ),
    )

    class Meta:
        model = BankAccount
        fields = ["entity", "label", "iban", "bic", "currency"]

    def __init__(self, *args: Any, entities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities
        self.fields["iban"].required = True
        if self.instance.pk and self.instance.csv_mapping:
            self.initial["csv_mapping_text"] = json.dumps(self.instance.csv_mapping, ensure_ascii=False, indent=1)

    def clean_iban(self) -> str:
        iban = normalize_iban(self.cleaned_data["iban"])
        error = iban_error(iban)
        if error:
            raise forms.ValidationError(error)
        clash = BankAccount.objects.filter(account_id=iban).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This bank account already exists."))
        return iban

    def clean_csv_mapping_text(self) -> dict[str, Any]:
        text = self.cleaned_data["csv_mapping_text"].strip()
        if not text:
            return {}
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return BankCsvMapping.from_dict(data).as_dict()
        except (ValueError, TypeError, EncoursError) as exc:
            raise forms.ValidationError(_("Invalid mapping: %(error)s") % {"error": exc}) from None

    def save(self, commit: bool = True) -> BankAccount:
        follows_iban = not self.instance.account_id or self.instance.account_id == self.initial.get("iban")
        account = super().save(commit=False)
        if follows_iban:  # an account named otherwise by its statements keeps that name
            account.account_id = account.iban
        account.csv_mapping = self.cleaned_data["csv_mapping_text"]
        if commit:
            account.save()
        return account


class MatchingSettingsForm(forms.ModelForm):
    class Meta:
        model = MatchingSettings
        fields = [
            "auto_apply_threshold",
            "auto_apply_margin",
            "fee_tolerance_absolute",
            "fee_tolerance_percent",
            "discount_percents",
            "discount_grace_days",
        ]

    def clean_auto_apply_threshold(self) -> Decimal:
        value = self.cleaned_data["auto_apply_threshold"]
        if not Decimal("0.5") <= value <= 1:
            raise forms.ValidationError(_("A confidence between 0.5 and 1."))
        return value

    def clean_discount_percents(self) -> str:
        text = self.cleaned_data["discount_percents"]
        try:
            rates = [Decimal(p.strip()) for p in text.split(",") if p.strip()]
        except ArithmeticError:
            raise forms.ValidationError(_("Percentages separated by commas, e.g. 2, 1.5")) from None
        if any(not 0 < r < 100 for r in rates):
            raise forms.ValidationError(_("Each rate is a percentage between 0 and 100."))
        return ", ".join(str(r) for r in rates)


class CustomerPickForm(forms.Form):
    account_number = forms.CharField(label=_("Customer account"), max_length=40)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
