from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionsConfig(AppConfig):
    name = "encours.collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        # dunning history and timing, last actions, litigation, alerts, the customer panels and the
        # weekly-report section (encours.contracts); the background jobs and the demo data register
        # through their modules
        from encours import contracts
        from encours.collections import demo, jobs, panels, productivity, providers, services  # noqa: F401

        contracts.DUNNING_HISTORY.register(providers.dunning_history)
        contracts.DUNNING_TIMING.register(services.dunning_timing_apply)
        contracts.LAST_ACTIONS.register(providers.last_actions)
        contracts.LITIGATION.register(providers.litigation_spans)
        contracts.ALERTS.register(providers.collections_alerts, order=40)
        contracts.CUSTOMER_PANELS.register(panels.penalties_card, order=30)
        contracts.CUSTOMER_PANELS.register(panels.collections_timeline, order=60)
        contracts.WEEKLY_SECTIONS.register(productivity.productivity_section, order=45)
