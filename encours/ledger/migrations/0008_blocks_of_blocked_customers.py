"""A block record for each customer blocked before blocks had records, its reason read from the text the
dunning run ("dunning step …") or the insolvency import ("receivership published …") wrote."""

import re

from django.db import migrations
from django.utils import timezone

INSOLVENCY = re.compile(r"^(safeguard|receivership|liquidation) published")


def reason_of(text: str) -> str:
    if text.startswith("dunning step "):
        return "dunning"
    if INSOLVENCY.match(text):
        return "insolvency"
    return "manual"


def forwards(apps, schema_editor):
    Customer = apps.get_model("ledger", "Customer")
    CustomerBlock = apps.get_model("ledger", "CustomerBlock")
    today = timezone.localdate()
    blocks = []
    for pk, text in Customer.objects.filter(is_blocked=True).values_list("pk", "blocked_reason").iterator():
        reason = reason_of(text)
        blocks.append(
            CustomerBlock(
                customer_id=pk,
                reason=reason,
                detail=text or "blocked before block records",
                source="migrated",
                # the step's minimum is not known here: lifted automatically once nothing is overdue
                lift_below=0 if reason == "dunning" else None,
                blocked_on=today,
                blocked_by_label="migration",
            )
        )
    CustomerBlock.objects.bulk_create(blocks, batch_size=2000)


def backwards(apps, schema_editor):
    apps.get_model("ledger", "CustomerBlock").objects.filter(source="migrated").delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_customer_blocks")]

    operations = [migrations.RunPython(forwards, backwards)]
