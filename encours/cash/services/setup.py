"""The bank accounts and matching settings of a legal entity: checked, saved and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms import ModelForm

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.cash.models import BankAccount, MatchingSettings


@transaction.atomic
def bank_account_save(*, form: ModelForm, user: Any) -> BankAccount:
    """Save a validated bank-account form of an entity the user belongs to."""
    if form.instance.pk:
        require(user, "ledger.import", entity=BankAccount.objects.get(pk=form.instance.pk).entity_id)
    require(user, "ledger.import", entity=form.cleaned_data["entity"])
    account = form.save()
    audit_record(
        actor=user,
        action="cash.account_save",
        obj=account,
        entity_id=account.entity_id,
        after={"iban": account.iban, "label": account.label},
    )
    return account


@transaction.atomic
def matching_settings_save(*, form: ModelForm, user: Any) -> MatchingSettings:
    """Save a validated matching-settings form of an entity the user belongs to."""
    require(user, "ledger.import", entity=form.instance.entity_id)
    saved = form.save()
    audit_record(actor=user, action="cash.settings_save", obj=saved, entity_id=saved.entity_id, after=form.cleaned_data)
    return saved
