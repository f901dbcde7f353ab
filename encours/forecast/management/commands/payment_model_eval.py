from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from encours.core.errors import EncoursError, ImportRejected
from encours.core.forecast import evaluate_external_csv, evaluate_payment_model, parse_column_mapping, render_evaluation
from encours.forecast.selectors import ledger_records
from encours.web.params import date_argument


class Command(BaseCommand):
    help = (
        "Evaluate the payment-date model against the baselines (customer average, terms) on a time split: "
        "MAE in days late and AUC for paying late, one name=value per line. Without --csv, on the "
        "database's own paid invoices; with it, on an external CSV of paid invoices."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", dest="csv", default=None, help="external CSV of paid invoices")
        parser.add_argument(
            "--columns",
            default="",
            help="NAME=COLUMN,... for customer, invoice_date, due_date, amount, settled_date "
            "(required) and disputed, channel, country (optional)",
        )
        parser.add_argument("--date-format", default="%Y-%m-%d", help="strptime format of the CSV dates")
        parser.add_argument("--split-date", type=date_argument, default=None, help="test set: settled on or after it")
        parser.add_argument("--as-of", type=date_argument, default=None, help="database: the ledger as of")

    def handle(self, *args, **options):
        try:
            report = self._external(options) if options["csv"] else self._database(options)
        except ImportRejected as exc:
            lines = "\n".join(str(error) for error in exc.errors[:20])
            raise CommandError(f"{exc}\n{lines}") from None
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(render_evaluation(report))

    def _database(self, options):
        as_of = options["as_of"] or timezone.localdate()
        records = ledger_records(as_of=as_of)
        return evaluate_payment_model(
            invoices=records.invoices,
            split_date=options["split_date"],
            unknown_features=records.sources.unknown_features,
        )

    def _external(self, options):
        if not options["columns"]:
            raise CommandError("--csv needs --columns NAME=COLUMN,...")
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        return evaluate_external_csv(
            content=path.read_bytes(),
            columns=parse_column_mapping(options["columns"]),
            date_format=options["date_format"],
            split_date=options["split_date"],
        )
