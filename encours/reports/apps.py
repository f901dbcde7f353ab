from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "encours.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # the ledger's own dashboard alerts and the customer panel (encours.contracts); the demo data
        # registers through its module
        from encours import contracts
        from encours.reports import alerts, demo, panels  # noqa: F401  (demo)

        contracts.ALERTS.register(alerts.newly_overdue_beyond_threshold, order=100)
        contracts.ALERTS.register(alerts.terms_beyond_legal_cap, order=110)
        contracts.ALERTS.register(alerts.unapplied_cash, order=120)
        contracts.CUSTOMER_PANELS.register(panels.payment_behaviour_card, order=50)
