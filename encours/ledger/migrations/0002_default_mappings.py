from django.db import migrations

DEFAULTS = {
    "customers": {
        "account_number": "account", "name": "name", "siren": "siren", "iban": "iban",
    },
    "items": {
        "type": "type", "number": "number", "customer": "customer", "document_date": "date",
        "due_date": "due_date", "amount": "amount", "currency": "currency", "reference": "reference",
    },
    "payments": {
        "number": "number", "customer": "customer", "document_date": "date", "amount": "amount",
        "currency": "currency", "reference": "reference",
    },
    "allocations": {
        "debit_number": "invoice", "credit_number": "payment", "amount": "amount", "date": "date",
    },
    "open_orders": {
        "number": "order", "customer": "customer", "order_date": "order_date",
        "expected_ship_date": "ship_date", "amount": "amount", "currency": "currency", "status": "status",
    },
}


def create(apps, schema_editor):
    ImportMapping = apps.get_model("ledger", "ImportMapping")
    for kind, columns in DEFAULTS.items():
        ImportMapping.objects.get_or_create(
            name=f"default-{kind.replace('_', '-')}", defaults={"kind": kind, "columns": columns, "options": {}}
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
