from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "encours.sales"
    label = "sales"
    verbose_name = _("Sales loop")

    def ready(self) -> None:
        # the customer panel (field notes, held orders) and the dashboard line of pending release
        # requests (encours.contracts)
        from encours import contracts
        from encours.sales import alerts, panels

        contracts.ALERTS.register(alerts.sales_dashboard_alerts, order=35)
        contracts.CUSTOMER_PANELS.register(panels.sales_panel, order=55)
