from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "encours.insurance"
    label = "insurance"
    verbose_name = _("Credit insurance and factoring")

    def ready(self) -> None:
        # covers, factored items, worklist tasks, alerts, the customer panel and the weekly-report
        # section (encours.contracts); the background jobs and the demo data register through their modules
        from encours import contracts
        from encours.insurance import demo, jobs, panels, providers, weekly  # noqa: F401  (demo, jobs)

        contracts.COVERS.register(providers.covers)
        contracts.FACTORED_ITEMS.register(providers.factored_items)
        contracts.WORK_TASKS.register(providers.declaration_tasks)
        contracts.ALERTS.register(providers.insurance_alerts, order=300)
        contracts.WEEKLY_SECTIONS.register(weekly.insurance_section, order=50)
        contracts.CUSTOMER_PANELS.register(panels.buyer_cover_panel, order=60)
