"""The issue's reason codes, with their SLA and default department; editable afterwards."""

from django.db import migrations

REASONS = (
    # code, label, SLA days, department
    ("price", "Price", 15, "sales"),
    ("quantity", "Quantity", 10, "logistics"),
    ("quality", "Quality", 20, "quality"),
    ("delivery", "Delivery", 10, "logistics"),
    ("not_received", "Not received", 7, "logistics"),
    ("duplicate", "Duplicate billing", 5, "billing"),
    ("vat_error", "VAT / invoice error", 5, "billing"),
    ("credit_note", "Credit note expected", 10, "billing"),
    ("other", "Other", 15, "customer_service"),
)


def create_reasons(apps, schema_editor):
    ReasonCode = apps.get_model("disputes", "ReasonCode")
    for position, (code, label, sla, department) in enumerate(REASONS):
        ReasonCode.objects.get_or_create(
            code=code, defaults={"label": label, "sla_days": sla, "department": department, "position": position}
        )


def remove_reasons(apps, schema_editor):
    apps.get_model("disputes", "ReasonCode").objects.filter(code__in=[r[0] for r in REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(create_reasons, remove_reasons)]
