from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from encours.core.errors import EncoursError, ImportRejected
from encours.ledger.services.import_fec import fec_import


class Command(BaseCommand):
    help = "Import a French FEC (pipe or tab separated, UTF-8 or Latin-1): customers, items, lettrage."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--entity", help="SIREN of the legal entity (default: from the file name)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = fec_import(raw=path.read_bytes(), file_name=path.name, entity_siren=options["entity"])
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"line {error.line}\t{error.column}\t{error.value}\t{error.reason}")
            raise CommandError(f"{len(exc.errors)} error(s): nothing imported") from None
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        out = self.stdout.write
        if report.entity_created:
            out(f"created legal entity {report.entity_siren} ({report.entity_name})")
        out(f"file: {report.file_name} ({report.encoding}, {report.delimiter}-separated)")
        out(f"lines: {report.lines} ({report.customer_lines} on customer accounts, ", ending="")
        out(f"{report.ignored_lines} other accounts ignored)")
        out(f"customers created: {report.customers_created}")
        out(
            f"items: {report.items_created} created, {report.items_updated} updated, {report.items_unchanged} unchanged"
        )
        out(
            f"allocations: {report.allocations_created} created, {report.allocations_updated} updated, "
            f"{report.allocations_removed} removed"
        )
        for warning in report.warnings:
            out(f"warning: {warning}")
        rate = report.lines / report.seconds if report.seconds else 0
        out(f"time: {report.seconds:.2f} s ({rate:,.0f} lines/s)")
        if report.changed_nothing:
            out("nothing changed")
