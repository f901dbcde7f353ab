"""Alerts become open problems: one open alert per customer and kind.

Existing databases hold one row per daily run for the same problem. Keep the latest row of each
customer × kind open (with the first date it was raised), close the older ones on the date the
latest was raised; close the per-customer "no credit limit" alerts (now one portfolio finding)
and the acknowledged one-off events (legal event, grade downgrade, first overdue).
"""

from django.db import migrations
from django.db.models import F

EVENT_KINDS = ("grade_downgrade", "legal_event", "first_overdue_key_account")
NO_LIMIT = "with no credit limit"


def close_duplicates(apps, schema_editor):
    RiskAlert = apps.get_model("risk", "RiskAlert")
    alerts = RiskAlert.objects.filter(closed_on__isnull=True)
    alerts.filter(kind="over_limit", message__contains=NO_LIMIT).update(closed_on=F("raised_on"))
    alerts.filter(kind__in=EVENT_KINDS, acknowledged_at__isnull=False).update(closed_on=F("raised_on"))
    latest = {}
    first = {}
    rows = alerts.filter(closed_on__isnull=True).order_by("customer_id", "kind", "raised_on", "pk")
    for pk, customer_id, kind, raised_on in rows.values_list("pk", "customer_id", "kind", "raised_on").iterator():
        group = (customer_id, kind)
        first.setdefault(group, raised_on)
        latest[group] = (pk, raised_on)
    keep = {pk for pk, _ in latest.values()}
    by_closing_day = {}
    for pk, customer_id, kind in rows.values_list("pk", "customer_id", "kind").iterator():
        if pk not in keep:
            by_closing_day.setdefault(latest[(customer_id, kind)][1], []).append(pk)
    for day, pks in by_closing_day.items():
        for start in range(0, len(pks), 500):
            RiskAlert.objects.filter(pk__in=pks[start : start + 500]).update(closed_on=day)
    for (customer_id, kind), (pk, raised_on) in latest.items():
        if first[(customer_id, kind)] != raised_on:
            RiskAlert.objects.filter(pk=pk).update(raised_on=first[(customer_id, kind)], updated_on=raised_on)


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_open_problem_alerts")]

    operations = [migrations.RunPython(close_duplicates, migrations.RunPython.noop)]
