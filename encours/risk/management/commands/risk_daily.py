from django.core.management.base import BaseCommand
from django.utils import timezone

from encours.risk.daily import risk_daily_run, send_digest
from encours.sales.notifications import send_rep_digest
from encours.web.params import date_argument


class Command(BaseCommand):
    help = (
        "Grade every customer, store the grades and keep the early-warning alerts up to date (one open alert "
        "per customer and kind); then email the digest of what is new or worse."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date_argument, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--no-digest", action="store_true", help="do not send the daily email digest")

    def handle(self, *args, **options):
        as_of = options["as_of"] or timezone.localdate()
        report = risk_daily_run(as_of=as_of)
        self.stdout.write(f"{report.customers} customers, {report.graded} graded, {report.alerts} new alerts")
        for kind, count in sorted(report.by_kind.items()):
            self.stdout.write(f"  {kind}: {count}")
        self.stdout.write(f"{report.blocks_lifted} dunning block(s) lifted: paid below the step's minimum")
        changes = report.changes
        self.stdout.write(
            f"{changes.worse} worse, {changes.updated} still open, {changes.closed} closed; "
            f"{report.open_alerts} open alerts"
        )
        if report.no_limit is not None:
            finding = report.no_limit
            self.stdout.write(
                f"portfolio finding: {finding.customers} customers above {finding.threshold:.0f} "
                f"{finding.currency} have no credit limit (exposure {finding.exposure:.2f})"
            )
        if report.limit_review is not None:
            review = report.limit_review
            self.stdout.write(
                f"limits to review: {review.limits} credit limit(s) expire within {review.days} days "
                f"(total {review.amount:.2f} {review.currency}; {review.entered} new since the previous run)"
            )
        if not options["no_digest"]:
            self.stdout.write(f"digest sent to {send_digest(as_of=as_of)} user(s)")
            self.stdout.write(f"sales digest sent to {send_rep_digest(as_of=as_of)} rep(s)")
