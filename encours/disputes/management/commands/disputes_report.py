"""manage.py disputes_report --as-of DATE --format csv --output FILE"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from encours.disputes.reporting import report_rows, write_csv
from encours.web.params import date_argument


class Command(BaseCommand):
    help = "Disputes by reason as of a date: open and resolved counts and amounts, average and p90 resolution days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", dest="as_of", type=date_argument, default=None, help="YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--since", type=date_argument, default=None, help="count resolutions from this date only (default: all)"
        )
        parser.add_argument("--format", default="csv", choices=["csv"])
        parser.add_argument("--output", default="-", help="file path, '-' for stdout")

    def handle(self, *args: object, **options: str) -> None:
        as_of = options["as_of"] or timezone.localdate()
        since = options["since"]
        if since is not None and since > as_of:
            raise CommandError("--since is after --as-of")
        rows = report_rows(as_of=as_of, since=since)
        if options["output"] == "-":
            write_csv(rows, sys.stdout)
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as out:
            write_csv(rows, out)
        self.stderr.write(f"{len(rows)} reason(s) written to {options['output']}")
