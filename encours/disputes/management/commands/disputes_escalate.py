"""manage.py disputes_escalate [--as-of DATE]: email owners, then managers, of disputes past their SLA."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from encours.disputes.mailing import disputes_escalate


class Command(BaseCommand):
    help = "Escalate disputes past their SLA: email the owner, then the owner's manager."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", default="")

    def handle(self, *args: object, **options: str) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of: {options['as_of']!r} is not a date (YYYY-MM-DD)") from exc
        sent = disputes_escalate(as_of=as_of, actor="disputes_escalate")
        for mail in sent:
            self.stdout.write(f"{mail.recipient}: {len(mail.disputes)} dispute(s)")
        self.stderr.write(f"{len(sent)} escalation email(s) sent")
