from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "encours.cash"
    label = "cash"
    verbose_name = _("Cash application")

    def ready(self) -> None:
        from encours.cash import alerts, demo, jobs, panels  # noqa: F401  (alert, demo hook, job, customer panel)
