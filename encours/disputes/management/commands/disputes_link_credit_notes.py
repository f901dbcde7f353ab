"""manage.py disputes_link_credit_notes: link imported credit notes to the disputes awaiting them."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from encours.disputes.services import credit_notes_link


class Command(BaseCommand):
    help = "Link credit notes that arrived in imports to the disputes resolved (or expecting) a credit note."

    def handle(self, *args: object, **options: object) -> None:
        linked = credit_notes_link(actor="disputes_link_credit_notes")
        self.stdout.write(f"{linked} credit note(s) linked")
