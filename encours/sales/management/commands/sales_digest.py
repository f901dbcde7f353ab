from django.core.management.base import BaseCommand
from django.utils import timezone

from encours.sales.notifications import send_rep_digest
from encours.web.params import date_argument


class Command(BaseCommand):
    help = (
        "Notify each sales rep of the day's downgrades, held orders and blocks of his customers, then email him "
        "what he has not been emailed yet (the daily risk run does it too)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date_argument, default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        as_of = options["as_of"] or timezone.localdate()
        self.stdout.write(f"sales digest sent to {send_rep_digest(as_of=as_of)} rep(s)")
