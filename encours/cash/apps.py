from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "encours.cash"
    label = "cash"
    verbose_name = _("Cash application")

    def ready(self) -> None:
        # the dashboard alert and the customer panel (encours.contracts); the background jobs and the
        # demo data register through their modules
        from encours import contracts
        from encours.cash import alerts, demo, jobs, panels  # noqa: F401  (demo, jobs)

        contracts.ALERTS.register(alerts.lines_in_review, order=60)
        contracts.CUSTOMER_PANELS.register(panels.bank_receipts, order=70)
