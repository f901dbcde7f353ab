from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from encours.cash.services.exports import allocations_csv, allocations_fec
from encours.ledger.models import LegalEntity
from encours.web.params import date_argument


class Command(BaseCommand):
    help = "Export the allocations made from bank lines (lettrage) for the ERP: CSV or FEC-style EcritureLet codes."

    def add_arguments(self, parser):
        parser.add_argument("--entity", help="SIREN of the legal entity (default: all)")
        parser.add_argument(
            "--since", type=date_argument, help="only allocations dated on or after this date (YYYY-MM-DD)"
        )
        parser.add_argument("--format", choices=("csv", "fec"), required=True)
        parser.add_argument("--output", required=True)

    def handle(self, *args, **options):
        entity = None
        if options["entity"]:
            entity = LegalEntity.objects.filter(siren=options["entity"].replace(" ", "")).first()
            if entity is None:
                raise CommandError(f"no legal entity with SIREN {options['entity']}")
        since = options["since"]
        writer = allocations_csv if options["format"] == "csv" else allocations_fec
        path = Path(options["output"])
        with path.open("w", encoding="utf-8", newline="") as handle:
            count = writer(handle, entity=entity, since=since)
        self.stdout.write(f"{count} allocation(s) written to {path}")
