from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from encours.disputes.models import Committee, ProvisionEntry
from encours.disputes.provisions import provisions_csv, provisions_xlsx


class Command(BaseCommand):
    help = (
        "Export the provisions for doubtful debt recorded by signed-off unpaid committees, one line per invoice "
        "(accounts 6817/491, amount excl. VAT, VAT, rate, provision), as CSV or XLSX for the accountants."
    )

    def add_arguments(self, parser):
        parser.add_argument("--committee", type=int, help="id of one committee (default: all)")
        parser.add_argument("--format", choices=("csv", "xlsx"), required=True)
        parser.add_argument("--output", required=True)

    def handle(self, *args, **options):
        entries = ProvisionEntry.objects.select_related("case__committee", "customer__entity", "item")
        if options["committee"] is not None:
            if not Committee.objects.filter(pk=options["committee"]).exists():
                raise CommandError(f"no committee with id {options['committee']}")
            entries = entries.filter(case__committee_id=options["committee"])
        entries = entries.order_by("recorded_on", "pk")
        path = Path(options["output"])
        if options["format"] == "csv":
            with path.open("w", encoding="utf-8", newline="") as handle:
                count = provisions_csv(handle, entries)
        else:
            path.write_bytes(provisions_xlsx(entries))
            count = entries.count()
        self.stdout.write(f"{count} provision entr{'y' if count == 1 else 'ies'} written to {path}")
