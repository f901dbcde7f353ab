from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionsConfig(AppConfig):
    name = "encours.collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        # cross-app contracts (dunning history and timing, last actions, litigation, alerts),
        # the customer-page panels, the background job and the demo data
        from encours.collections import demo, jobs, panels, productivity, providers  # noqa: F401
