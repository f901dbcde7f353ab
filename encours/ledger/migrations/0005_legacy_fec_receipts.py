"""Receipts and adjustments imported from a FEC before items could be identified by their
écriture were keyed by PieceRef. Mark them ``legacy|<type>|<number>``: the next import of the
FEC re-keys each to its écriture (``fec_import`` adopts the item of the same customer and piece)
instead of creating it again beside the old one."""

import re

from django.db import migrations

FEC_NAME = re.compile(r"\d{9}FEC\d{8}", re.IGNORECASE)
RECEIPTS = ("payment", "adjustment")


def fec_files(apps):
    audit = apps.get_model("audit", "AuditEntry")
    names = set()
    for after in audit.objects.filter(action="import.fec").values_list("after", flat=True):
        if isinstance(after, dict) and after.get("file_name"):
            names.add(after["file_name"])
    return names


def mark_legacy(apps, schema_editor):
    item = apps.get_model("ledger", "Item")
    names = fec_files(apps)
    rows = item.objects.filter(entry="", type__in=RECEIPTS).exclude(source_file="")
    marked = []
    for pk, item_type, number, source_file in rows.values_list("id", "type", "number", "source_file").iterator():
        if source_file in names or FEC_NAME.search(source_file):
            marked.append(item(id=pk, entry=f"legacy|{item_type}|{number}"[:80]))
    item.objects.bulk_update(marked, ["entry"], batch_size=1000)


def unmark_legacy(apps, schema_editor):
    item = apps.get_model("ledger", "Item")
    item.objects.filter(entry__startswith="legacy|").update(entry="")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_item_entry_identity"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(mark_legacy, unmark_legacy)]
