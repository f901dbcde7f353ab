from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from encours.core.errors import EncoursError, ImportRejected
from encours.insurance.services.covers import decisions_import


class Command(BaseCommand):
    help = (
        "Import an insurer's buyer cover decisions (CSV/XLSX), idempotently. Default columns: customer,decision,"
        "requested_amount,granted_amount,currency,effective_date,expiry_date,decision_ref."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--entity", required=True, help="SIREN of the insured legal entity")
        parser.add_argument("--policy", required=True, help="policy number (created with default terms if missing)")
        parser.add_argument("--insurer", default="", help="insurer name, for a new policy")
        parser.add_argument("--mapping", default="", help="name of a saved decision file mapping")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = decisions_import(
                raw=path.read_bytes(),
                file_name=path.name,
                entity_siren=options["entity"],
                policy_number=options["policy"],
                insurer=options["insurer"],
                mapping_name=options["mapping"],
            )
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"line {error.line}\t{error.column}\t{error.value}\t{error.reason}")
            raise CommandError(f"{len(exc.errors)} error(s): nothing imported") from None
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        if report.policy_created:
            self.stdout.write(f"policy {report.policy} created with default terms")
        self.stdout.write(f"{report.file_name} for policy {report.policy}: {report.message}")
