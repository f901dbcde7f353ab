from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "encours.insurance"
    label = "insurance"
    verbose_name = _("Credit insurance and factoring")

    def ready(self) -> None:
        # registers the hooks (covers, factored items, worklist tasks), alerts, the customer panel,
        # the background jobs, the weekly-report section and the demo data
        from encours.insurance import demo, jobs, panels, providers  # noqa: F401
