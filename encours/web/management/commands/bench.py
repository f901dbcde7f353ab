import tempfile
from datetime import date

from django.core.management.base import BaseCommand

from encours.web.bench import BenchContext, benchmarks
from encours.web.params import date_argument


class Command(BaseCommand):
    help = "Build the synthetic portfolio and print each performance figure on one line (used by `make bench`)."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="10x smaller portfolio")
        parser.add_argument("--customers", type=int)
        parser.add_argument("--invoices", type=int)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--as-of", type=date_argument, default=date(2026, 11, 23))
        parser.add_argument("--only", default="", help="comma-separated app labels to run (ledger always runs)")

    def handle(self, *args, **options):
        small = options["small"]
        context = BenchContext(
            customers=options["customers"] or (2_000 if small else 20_000),
            invoices=options["invoices"] or (100_000 if small else 1_000_000),
            seed=options["seed"],
            as_of=options["as_of"],
            small=small,
            workdir=tempfile.mkdtemp(prefix="encours-bench-"),
        )
        only = {label for label in options["only"].split(",") if label}
        context.only = frozenset(only)
        self.stdout.write(
            f"portfolio: {context.customers} customers, {context.invoices} invoices, as of {context.as_of}"
        )
        for _, label, function in benchmarks():
            if only and label not in only and label != "ledger":
                continue
            for figure in function(context):
                self.stdout.write(figure.line())
                self.stdout.flush()
