"""Shared body of the three risk import commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from encours.core.errors import EncoursError, ImportRejected
from encours.risk.imports import RiskImportReport


class ImportCommand(BaseCommand):
    importer: Callable[..., RiskImportReport]

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument("--mapping", default=None, help="name of a saved risk import mapping")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = type(self).importer(raw=path.read_bytes(), file_name=path.name, mapping_name=options["mapping"])
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} error(s): nothing imported") from None
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{report.kind} from {report.file_name}: {report.rows} rows")
        self.stdout.write(f"created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}")
        if report.prospects:
            self.stdout.write(f"new prospects (SIREN not a customer): {report.prospects}")
        if report.alerts or report.blocked:
            self.stdout.write(f"alerts raised: {report.alerts}, customers blocked: {report.blocked}")
