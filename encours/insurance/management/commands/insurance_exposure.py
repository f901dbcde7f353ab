from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from encours.core.formats.spreadsheet import CsvWriter
from encours.insurance.selectors.exposure import buyer_exposures
from encours.ledger.models import Customer, LegalEntity
from encours.web.params import date_argument

COLUMNS = ("customer", "exposure", "cover", "uncovered", "declaration_deadline")


class Command(BaseCommand):
    help = "Exposure (open AR + open orders) against insured cover per buyer on a date, as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", required=True, type=date_argument, help="YYYY-MM-DD")
        parser.add_argument("--entity", default="", help="SIREN of one legal entity (default: all)")
        parser.add_argument("--format", default="csv", choices=["csv"])
        parser.add_argument("--output", required=True, help="file to write ('-' for stdout)")

    def handle(self, *args, **options):
        customers = Customer.objects.all()
        if options["entity"]:
            entity = LegalEntity.objects.filter(siren=options["entity"]).first()
            if entity is None:
                raise CommandError(f"unknown legal entity SIREN {options['entity']}")
            customers = customers.filter(entity=entity)
        rows = buyer_exposures(customers=customers, as_of=options["as_of"])
        output = options["output"]
        if output == "-":
            self._write(self.stdout, rows)
            return
        with Path(output).open("w", newline="", encoding="utf-8") as handle:
            self._write(handle, rows)
        uncovered = sum(row.uncovered for row in rows)
        self.stderr.write(f"{len(rows)} buyers written to {output}; uncovered exposure {uncovered}")

    def _write(self, handle, rows):
        writer = CsvWriter(handle)
        writer.row(COLUMNS)
        for row in rows:
            deadline = row.declaration_deadline.isoformat() if row.declaration_deadline else ""
            writer.row(
                [row.account_number, f"{row.exposure:.2f}", f"{row.cover:.2f}", f"{row.uncovered:.2f}", deadline]
            )
