from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "encours.risk"
    label = "risk"
    verbose_name = _("Customer risk")

    def ready(self) -> None:
        # grades for the other apps, the customer panel, dashboard alerts, demo data and bench figures
        from encours.risk import alerts, bench, demo, jobs, panels, providers  # noqa: F401
