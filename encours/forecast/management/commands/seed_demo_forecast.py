import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from encours.forecast.demo import forecast_demo_load
from encours.forecast.models import PaymentModel
from encours.ledger.models import Item
from encours.web.params import date_argument


class Command(BaseCommand):
    help = (
        "The forecast's demo data on a loaded demo portfolio (past weekly forecasts, a trained payment model, "
        "the open invoices' predictions): what `seed_demo --skip forecast` left out. `make run` runs it beside "
        "the server, since training takes a minute or two."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date_argument, default=None, help="the demo's date (default: today)")
        parser.add_argument("--if-missing", action="store_true", help="do nothing when a payment model exists")

    def handle(self, *args, **options):
        if options["if_missing"] and PaymentModel.objects.exists():
            self.stdout.write("a payment model exists: forecast demo not loaded")
            return
        if not Item.objects.exists():
            self.stdout.write("no ledger: load the demo first (manage.py seed_demo)")
            return
        started = time.monotonic()
        for note in forecast_demo_load(as_of=options["as_of"] or timezone.localdate()):
            self.stdout.write(note)
        self.stdout.write(f"forecast demo loaded in {time.monotonic() - started:.1f} s")
