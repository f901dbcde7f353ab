from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from encours.cash.services.imports import UnknownBankAccount, bank_file_import
from encours.core.errors import EncoursError, ImportRejected
from encours.ledger.models import LegalEntity


class Command(BaseCommand):
    help = (
        "Import a bank statement (camt.053, camt.054, MT940, CFONB 120 or CSV, detected from the content), "
        "match its lines and apply what passes the auto-apply threshold."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--entity", help="SIREN of the legal entity owning a bank account not yet known")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        entity = None
        if options["entity"]:
            entity = LegalEntity.objects.filter(siren=options["entity"].replace(" ", "")).first()
            if entity is None:
                raise CommandError(f"no legal entity with SIREN {options['entity']}")
        try:
            result = bank_file_import(raw=path.read_bytes(), user=None, file_name=path.name, entity=entity)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"line {error.line}\t{error.column}\t{error.value}\t{error.reason}")
            raise CommandError(f"{len(exc.errors)} error(s): nothing imported") from None
        except UnknownBankAccount as exc:
            raise CommandError(
                f"unknown bank account {exc.key}: give its legal entity (--entity SIREN) to create it"
            ) from None
        except EncoursError as exc:
            raise CommandError(f"{exc}: nothing imported") from None
        out = self.stdout.write
        for account in result.created_accounts:
            out(f"created bank account {account.account_id} for {account.entity.name} ({account.entity.siren})")
        for statement in result.statements:
            name = statement.statement_id or statement.pk
            out(f"statement {name} ({statement.format}) on {statement.account.account_id}")
        if result.already:
            out(f"already imported: {result.already} statement(s), nothing added")
        for warning in result.warnings:
            out(f"warning: {warning}")
        out(result.summary)
