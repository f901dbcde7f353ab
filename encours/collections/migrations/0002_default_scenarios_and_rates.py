"""Ship the default dunning scenarios of the issue and the ECB / legal rate tables."""

from django.db import migrations


def load_defaults(apps, schema_editor):
    from encours.core.dunning.scenarios import DEFAULT_SCENARIOS
    from encours.core.dunning.penalty_rates import ECB_MRO_RATES, LEGAL_RATES_PROFESSIONALS

    Scenario = apps.get_model("collections", "DunningScenario")
    Step = apps.get_model("collections", "DunningStep")
    Rate = apps.get_model("collections", "PenaltyRate")
    for scenario in DEFAULT_SCENARIOS:
        row, created = Scenario.objects.get_or_create(
            code=scenario.code, defaults={"name": scenario.name, "categories": list(scenario.categories)}
        )
        if not created:
            continue
        Step.objects.bulk_create(
            Step(
                scenario=row, order=step.order, code=step.code, offset_days=step.offset_days,
                channel=step.channel.value, template_code=step.template_code, action=step.action.value,
                min_amount=step.min_amount,
            )
            for step in scenario.steps
        )
    for table, rates in (("mro", ECB_MRO_RATES), ("legal", LEGAL_RATES_PROFESSIONALS)):
        for entry in rates.entries:
            Rate.objects.get_or_create(
                table=table, half_year=str(entry.half_year),
                defaults={"rate_pct": entry.rate_pct, "source": entry.source},
            )


class Migration(migrations.Migration):
    dependencies = [("collections", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
