from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "encours.risk"
    label = "risk"
    verbose_name = _("Customer risk")

    def ready(self) -> None:
        # grades for the other apps, the customer panel, dashboard alerts (encours.contracts); demo data
        # and the daily job register through their own modules (bench figures: risk/bench.py, found by
        # `make bench` alone)
        from encours import contracts
        from encours.risk import alerts, demo, jobs, panels, providers  # noqa: F401  (demo, job)

        contracts.GRADES.register(providers.grades)
        contracts.ALERTS.register(alerts.risk_dashboard_alerts, order=30)
        contracts.CUSTOMER_PANELS.register(panels.risk_card, order=40)
