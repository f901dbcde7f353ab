from encours.risk.imports import import_statements
from encours.risk.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Import statements (CSV/XLSX, one row per line, matched by SIREN); all or nothing."
    importer = staticmethod(import_statements)
