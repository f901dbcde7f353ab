from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "encours.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # registers the ledger's own dashboard alerts, the customer panel and the demo hook
        from encours.reports import alerts, demo, panels  # noqa: F401
