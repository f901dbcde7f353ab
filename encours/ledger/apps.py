from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "encours.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from encours.ledger import jobs, lookups  # noqa: F401  (import job handlers, the in_array lookup)
