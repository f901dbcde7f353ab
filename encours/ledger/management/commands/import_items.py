from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from encours.core.errors import EncoursError, ImportRejected
from encours.ledger.services.import_tabular import tabular_import

WARNINGS_SHOWN = 5


class Command(BaseCommand):
    help = (
        "Import a CSV/XLSX file through a saved column mapping (customers, items, payments, allocations, open orders)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--entity", required=True, help="SIREN of the legal entity")
        parser.add_argument("--mapping", required=True, help="name of a saved mapping (see the Imports page)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = tabular_import(
                raw=path.read_bytes(),
                file_name=path.name,
                entity_siren=options["entity"],
                mapping_name=options["mapping"],
            )
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"line {error.line}\t{error.column}\t{error.value}\t{error.reason}")
            raise CommandError(f"{len(exc.errors)} error(s): nothing imported") from None
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{report.kind} from {report.file_name} with mapping {report.mapping}: {report.rows} rows")
        self.stdout.write(f"created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}")
        for key, value in report.details.items():
            self.stdout.write(f"{key}: {value}")
        self._warnings(report.warnings, every=options["verbosity"] >= 2)
        if report.changed_nothing:
            self.stdout.write("nothing changed")

    def _warnings(self, warnings, *, every: bool) -> None:
        """One summary line and the first few: a re-run repeats them (the data is kept, flagged)."""
        if not warnings:
            return
        shown = warnings if every else warnings[:WARNINGS_SHOWN]
        more = "" if len(shown) == len(warnings) else f", the first {len(shown)} below (-v 2 lists them all)"
        self.stderr.write(f"{len(warnings)} warning(s){more}:")
        for warning in shown:
            self.stderr.write(f"  line {warning['line']}\t{warning['column']}\t{warning['value']}\t{warning['reason']}")
