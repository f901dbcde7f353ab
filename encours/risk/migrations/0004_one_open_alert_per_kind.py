from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("risk", "0003_close_duplicate_alerts")]

    operations = [
        migrations.AddConstraint(
            model_name="riskalert",
            constraint=models.UniqueConstraint(
                fields=("customer", "kind"), condition=Q(closed_on__isnull=True), name="one_open_alert_per_kind"
            ),
        )
    ]
