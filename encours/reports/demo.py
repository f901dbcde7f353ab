"""Demo data of the reports: a last balance sheet per entity, so the AR share of assets shows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from encours.audit.services import audit_record
from encours.core.money import quantize
from encours.ledger.models import Item
from encours.ledger.services.demo import DemoContext, demo_hook

# Receivables are typically a fifth to a third of a French distributor's balance sheet.
AR_SHARES = (Decimal("0.22"), Decimal("0.27"), Decimal("0.31"))


@demo_hook(80)
def balance_sheets(context: DemoContext) -> None:
    closing = date(context.as_of.year - 1, 12, 31)
    with transaction.atomic():
        for index, entity in enumerate(context.entities):
            receivables = Item.objects.filter(entity=entity, document_date__lte=closing).aggregate(
                total=Sum("amount_functional")
            )["total"] or Decimal(0)
            if receivables <= 0:
                continue
            total_assets = quantize(receivables / AR_SHARES[index % len(AR_SHARES)], entity.currency)
            entity.total_assets, entity.balance_sheet_date = total_assets, closing
            entity.save(update_fields=["total_assets", "balance_sheet_date"])
            audit_record(
                actor="seed_demo",
                action="entity.balance_sheet",
                obj=entity,
                entity_id=entity.pk,
                after={"total_assets": total_assets, "balance_sheet_date": closing},
                note="demo balance sheet",
            )
