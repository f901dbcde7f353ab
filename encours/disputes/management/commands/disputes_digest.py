"""manage.py disputes_digest [--as-of DATE]: one email per owner listing their open disputes."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from encours.disputes.mailing import disputes_digest


class Command(BaseCommand):
    help = "Send each dispute owner the daily digest of their open disputes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", default="")

    def handle(self, *args: object, **options: str) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of: {options['as_of']!r} is not a date (YYYY-MM-DD)") from exc
        sent = disputes_digest(as_of=as_of, actor="disputes_digest")
        for mail in sent:
            self.stdout.write(f"{mail.recipient}: {len(mail.disputes)} dispute(s)")
        self.stderr.write(f"{len(sent)} digest email(s) sent")
