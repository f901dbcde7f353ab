from encours.risk.imports import import_legal_events
from encours.risk.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Import legal_events (CSV/XLSX, one row per line, matched by SIREN); all or nothing."
    importer = staticmethod(import_legal_events)
