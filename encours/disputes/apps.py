from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "encours.disputes"
    label = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        # registers the reports providers, the work tasks, the customer panel and the demo hook
        from encours.disputes import demo, panels, providers  # noqa: F401
