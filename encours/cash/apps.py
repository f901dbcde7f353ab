from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "encours.cash"
    label = "cash"
    verbose_name = _("Cash application")

    def ready(self) -> None:
        from encours.cash import alerts, demo, jobs  # noqa: F401  (dashboard alert, demo hook, job handler)
