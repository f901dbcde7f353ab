from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "encours.sales"
    label = "sales"
    verbose_name = _("Sales loop")

    def ready(self) -> None:
        # the customer panel (field notes, held orders) and the dashboard line of pending release requests
        from encours.sales import alerts, panels  # noqa: F401
