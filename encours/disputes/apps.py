from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "encours.disputes"
    label = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        # disputed amounts, the disputes report, alerts, work tasks and the customer panel
        # (encours.contracts); the demo data registers through its module
        from encours import contracts
        from encours.disputes import demo, panels, providers  # noqa: F401  (demo)

        contracts.DISPUTED_AMOUNTS.register(providers.disputed_amounts)
        contracts.DISPUTES_REPORT.register(providers.disputes_summary)
        contracts.ALERTS.register(providers.dispute_alerts, order=60)
        contracts.WORK_TASKS.register(providers.dispute_follow_ups)
        contracts.CUSTOMER_PANELS.register(panels.disputes_panel, order=40)
