"""manage.py disputes_escalate [--as-of DATE]: email owners, then managers, of disputes past their SLA."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from encours.disputes.mailing import disputes_escalate
from encours.web.params import date_argument


class Command(BaseCommand):
    help = "Escalate disputes past their SLA: email the owner, then the owner's manager."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", type=date_argument, default=None)

    def handle(self, *args: object, **options: str) -> None:
        as_of = options["as_of"] or timezone.localdate()
        sent = disputes_escalate(as_of=as_of, actor="disputes_escalate")
        for mail in sent:
            self.stdout.write(f"{mail.recipient}: {len(mail.disputes)} dispute(s)")
        self.stderr.write(f"{len(sent)} escalation email(s) sent")
