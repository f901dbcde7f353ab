from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from encours.core.errors import EncoursError
from encours.forecast.services import payment_model_train
from encours.web.params import date_argument


class Command(BaseCommand):
    help = (
        "Train the payment-date model on the ledger's paid invoices (time-split evaluation against the "
        "baselines, then refit), store it with its metrics and date, and refresh the open invoices' predictions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date_argument, default=None, help="train on what was known that day")

    def handle(self, *args, **options):
        as_of = options["as_of"] or timezone.localdate()
        self.verbose = options["verbosity"] > 1
        try:
            record = payment_model_train(as_of=as_of, progress=self._progress)
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"model #{record.pk} trained on {record.trained_on} in {record.training_seconds:.1f} s")
        self.stdout.write(f"source={record.source}")
        self.stdout.write(f"reason={record.reason}")
        for name in ("n_train", "n_test", "mae_model", "mae_terms", "mae_customer_mean", "auc_model"):
            self.stdout.write(f"{name}={record.metrics.get(name)}")
        self.stdout.write(f"predictions={record.predictions.count()}")

    def _progress(self, done, total=None, message=""):
        if message and self.verbose:
            self.stderr.write(f"[{done}/{total}] {message}")
