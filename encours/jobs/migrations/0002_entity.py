import django.db.models.deletion
from django.db import migrations, models


def entity_from_params(apps, schema_editor):
    """Jobs started before the field: the entity their parameters or result name, if any."""
    Job = apps.get_model("jobs", "Job")
    LegalEntity = apps.get_model("ledger", "LegalEntity")
    by_siren = dict(LegalEntity.objects.values_list("siren", "id"))
    for job in Job.objects.filter(entity__isnull=True).only("id", "params", "result").iterator():
        result = job.result if isinstance(job.result, dict) else {}
        params = job.params if isinstance(job.params, dict) else {}
        siren = result.get("entity_siren") or params.get("entity")
        if isinstance(siren, str) and siren in by_siren:
            Job.objects.filter(pk=job.pk).update(entity_id=by_siren[siren])


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("ledger", "0003_lean_item_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="entity",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="ledger.legalentity",
            ),
        ),
        migrations.RunPython(entity_from_params, migrations.RunPython.noop),
    ]
