from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from encours.core.aging import DEFAULT_EDGES, CurrencyMismatch
from encours.core.errors import EncoursError
from encours.ledger.models import LegalEntity
from encours.reports.dimensions import COMMAND_DIMENSIONS
from encours.reports.exports import aged_balance_csv, aged_balance_xlsx
from encours.reports.management.commands._options import add_scope_arguments, as_of_of, edges, write_output
from encours.reports.selectors.aging import aged_balance
from encours.reports.selectors.scope import report_customers, require_one_currency


class Command(BaseCommand):
    help = (
        "Aged balance as of a date: CSV columns key,name,not_due,d1_30,d31_60,d61_90,d91_120,over_120,"
        "unapplied,total,disputed (amounts in the entity's currency, dot and two decimals), or XLSX. "
        "A CSV covers one currency: a scope whose entities keep different currencies needs --entity "
        "(the XLSX has a currency column)."
    )

    def add_arguments(self, parser):
        add_scope_arguments(parser)
        parser.add_argument("--by", choices=COMMAND_DIMENSIONS, default="customer")
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument("--output", required=True, help="file to write")
        parser.add_argument("--edges", type=edges, default=DEFAULT_EDGES, help="bucket edges in days (30,60,90,120)")

    def handle(self, *args, **options):
        as_of = as_of_of(options)
        try:
            customers = report_customers(entity_siren=options["entity"])
            if options["format"] == "csv":
                require_one_currency(customers=customers)
            report = aged_balance(customers=customers, as_of=as_of, by=options["by"], edges=options["edges"])
        except CurrencyMismatch as exc:
            raise CommandError(f"{exc} with --entity SIREN, or use --format xlsx (it has a currency column)") from None
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        if options["format"] == "csv":
            content: str | bytes = aged_balance_csv(report)
        else:
            entity = LegalEntity.objects.filter(siren=(options["entity"] or "").strip()).first()
            scope = f"{entity.siren} {entity.name}" if entity else _("All entities")
            content = aged_balance_xlsx(report, parameters=[(_("Legal entity"), scope)])
        write_output(options["output"], content)
        totals = ", ".join(f"{balance.total:.2f} {currency}" for currency, balance in report.totals.items())
        self.stdout.write(f"{len(report.rows)} rows as of {as_of}, open AR {totals or '0.00'} → {options['output']}")
