from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from encours.risk.daily import risk_daily_run, send_digest


class Command(BaseCommand):
    help = "Grade every customer, store the grades and raise early-warning alerts; then email the digest."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--no-digest", action="store_true", help="do not send the daily email digest")

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--as-of {options['as_of']!r}: expected YYYY-MM-DD") from None
        report = risk_daily_run(as_of=as_of)
        self.stdout.write(f"{report.customers} customers, {report.graded} graded, {report.alerts} new alerts")
        for kind, count in sorted(report.by_kind.items()):
            self.stdout.write(f"  {kind}: {count}")
        if not options["no_digest"]:
            self.stdout.write(f"digest sent to {send_digest(as_of=as_of)} user(s)")
