from django.core.management.base import BaseCommand, CommandError

from encours.core.errors import EncoursError
from encours.reports.exports import kpis_csv
from encours.reports.management.commands._options import add_scope_arguments, as_of_of, write_output
from encours.reports.selectors.kpis import scope_figures
from encours.reports.selectors.scope import report_customers


class Command(BaseCommand):
    help = (
        "Receivables KPIs as of a date, CSV kpi,value: open_ar, current_ar, dso_countback, dso_simple, bpdso, "
        "add, cei, overdue_rate… Amounts in the entity's currency, DSO figures in days, rates and CEI in percent; "
        "simple DSO, BPDSO, ADD and CEI over the three calendar months ending with the month of the date."
    )

    def add_arguments(self, parser):
        add_scope_arguments(parser)
        parser.add_argument("--format", choices=("csv",), default="csv")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, **options):
        as_of = as_of_of(options)
        try:
            figures = scope_figures(customers=report_customers(entity_siren=options["entity"]), as_of=as_of)
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        write_output(options["output"], kpis_csv(figures))
        self.stdout.write(f"KPIs as of {as_of} ({figures.currency}) → {options['output']}")
