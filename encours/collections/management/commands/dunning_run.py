"""manage.py dunning_run --as-of DATE [--entity SIREN] [--execute] | --retry RUN"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from encours.collections.execution import run_create, run_execute
from encours.collections.models import DunningRun
from encours.collections.planning import plan_for, run_customers
from encours.collections.retry import run_retry_failed
from encours.core.errors import EncoursError
from encours.core.money import format_amount
from encours.ledger.models import LegalEntity
from encours.web.params import date_argument


class Command(BaseCommand):
    help = "Plan today's dunning (one line per customer and step); with --execute, send and record it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=date_argument, help="the run date, YYYY-MM-DD")
        parser.add_argument("--retry", type=int, metavar="RUN", help="send the failed messages of run RUN again")
        parser.add_argument("--entity", help="SIREN of the legal entity (default: all)")
        parser.add_argument("--execute", action="store_true", help="send the messages and record the steps")

    def handle(self, *args: object, **options: object) -> None:
        if options["retry"] is not None:
            self._retry(int(options["retry"]))  # type: ignore[call-overload]
            return
        if options["as_of"] is None:
            raise CommandError("--as-of is required (or --retry RUN)")
        as_of = options["as_of"]
        entity_id = None
        if options["entity"]:
            entity = LegalEntity.objects.filter(siren=str(options["entity"]).replace(" ", "")).first()
            if entity is None:
                raise CommandError(f"--entity: no legal entity with SIREN {options['entity']}")
            entity_id = entity.pk
        if not options["execute"]:
            self._print_plan(as_of, entity_id)
            return
        run = run_create(as_of=as_of, user="dunning_run", entity_id=entity_id)
        outcome = run_execute(run=run, user="dunning_run")
        self.stdout.write(
            f"run {run.pk} as of {as_of}: {outcome.sent} sent, {outcome.skipped} undeliverable, "
            f"{outcome.failed} failed, {outcome.already_done} already done, "
            f"{outcome.broken_promises} promise(s) found broken"
        )

    def _retry(self, run_id: int) -> None:
        run = DunningRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"--retry: no dunning run {run_id}")
        try:
            outcome = run_retry_failed(run=run, user="dunning_run")
        except EncoursError as exc:
            raise CommandError(f"--retry: run {run_id}: {exc}") from exc
        run.refresh_from_db()
        self.stdout.write(
            f"run {run.pk} retried: {outcome.sent} sent, {outcome.skipped} undeliverable, {outcome.failed} failed, "
            f"{outcome.already_done} already done; run {run.get_status_display()}: {run.sent_messages} sent, "
            f"{run.failed_messages} failed"
        )
        for failure in outcome.failures:
            self.stdout.write(f"  failed: {failure['subject']}: {failure['reason']}")

    def _print_plan(self, as_of: date, entity_id: int | None) -> None:
        plan = plan_for(as_of=as_of, customers=run_customers(entity_id=entity_id))
        for m in plan.messages:
            contact = m.contact.email or m.contact.phone or m.contact.name if m.contact else "-"
            flag = "" if m.deliverable else "  [NOT DELIVERABLE: " + "; ".join(m.warnings) + "]"
            numbers = ",".join(i.number for i in m.invoices)
            self.stdout.write(
                f"{m.customer_name}\t{m.step_code}\t{m.channel.value}\t{format_amount(m.total_functional, lang='en')}"
                f"\t{len(m.invoices)} invoice(s): {numbers}\t{contact}{flag}"
            )
        self.stdout.write(
            f"{len(plan.messages)} message(s) planned as of {as_of}; nothing written (add --execute to send)"
        )
