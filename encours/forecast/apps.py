from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastConfig(AppConfig):
    name = "encours.forecast"
    label = "forecast"
    verbose_name = _("Forecast")

    def ready(self) -> None:
        # registers the training job, the predictions provider, the customer panel and the demo hook
        from encours.forecast import demo, jobs, panels, providers  # noqa: F401
