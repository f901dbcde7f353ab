from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastConfig(AppConfig):
    name = "encours.forecast"
    label = "forecast"
    verbose_name = _("Forecast")

    def ready(self) -> None:
        # payment predictions, the customer panel and the item-list column (encours.contracts); the
        # training job and the demo data register through their modules
        from django.utils.translation import gettext_lazy

        from encours import contracts
        from encours.forecast import demo, jobs, panels, providers  # noqa: F401  (demo, job)

        contracts.PAYMENT_PREDICTIONS.register(providers.payment_predictions)
        contracts.CUSTOMER_PANELS.register(panels.predicted_payments, order=60)
        contracts.ITEM_COLUMNS.register(
            contracts.ItemColumn(header=gettext_lazy("Expected payment"), annotate=panels.expected_payment_cells),
            order=60,
        )
