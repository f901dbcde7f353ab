from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from encours.core.formats.spreadsheet import CsvWriter
from encours.risk.scores import SCORE_COLUMNS, score_rows
from encours.web.params import date_argument


class Command(BaseCommand):
    help = "Scores of every statement: Altman Z'', Conan-Holder, payer index and grade, as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date_argument, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["csv"], required=True)
        parser.add_argument("--output", required=True, help="file to write ('-' for standard output)")

    def handle(self, *args, **options):
        as_of = options["as_of"] or timezone.localdate()
        rows = score_rows(as_of=as_of)
        if options["output"] == "-":
            self._write(self.stdout, rows)
            return
        path = Path(options["output"])
        with path.open("w", newline="", encoding="utf-8") as handle:
            self._write(handle, rows)
        self.stdout.write(f"{len(rows)} rows written to {path}")

    def _write(self, handle, rows):
        writer = CsvWriter(handle)
        writer.row(SCORE_COLUMNS)
        writer.rows([row.get(column, "") for column in SCORE_COLUMNS] for row in rows)
