"""manage.py disputes_digest [--as-of DATE]: one email per owner listing their open disputes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from encours.disputes.mailing import disputes_digest
from encours.web.params import date_argument


class Command(BaseCommand):
    help = "Send each dispute owner the daily digest of their open disputes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", type=date_argument, default=None)

    def handle(self, *args: object, **options: str) -> None:
        as_of = options["as_of"] or timezone.localdate()
        sent = disputes_digest(as_of=as_of, actor="disputes_digest")
        for mail in sent:
            self.stdout.write(f"{mail.recipient}: {len(mail.disputes)} dispute(s)")
        self.stderr.write(f"{len(sent)} digest email(s) sent")
