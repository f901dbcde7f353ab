"""Demo data of the cash application: a bank account per legal entity and the last weeks'
statements, generated from the demo portfolio with the bank-line simulator (noisy
references, grouped payments, fees, unknown payers…), matched on load so that most lines
are applied and the review queue holds realistic lines."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.db import transaction

from encours.audit.services import audit_record
from encours.cash.models import BankAccount, BankLine, Statement
from encours.cash.selectors import matching_index
from encours.cash.services.imports import _line
from encours.cash.services.matching import lines_match
from encours.core.formats.bank import with_unique_keys
from encours.core.identifiers import iban_error
from encours.ledger.services.demo import DemoContext, demo_hook
from encours.synthetic.banksim.portfolio import french_iban
from encours.synthetic.banksim.simulator import generate_bank_lines

LINES_PER_ENTITY = 160
ACTOR = "seed_demo"


@demo_hook(70)
def bank_statements(context: DemoContext) -> None:
    rng = random.Random(7)
    for number, entity in enumerate(context.entities):
        with transaction.atomic():
            iban = entity.iban.replace(" ", "") if entity.iban and not iban_error(entity.iban) else french_iban(rng)
            account = BankAccount.objects.create(
                entity=entity, account_id=iban, iban=iban, label=f"Compte courant {entity.name}"[:100]
            )
            index = matching_index(entity.pk)
            if not index.items:
                continue
            start = context.as_of - timedelta(days=31)
            simulated = generate_bank_lines(
                customers=list(index.customers.values()),
                items=list(index.items.values()),
                count=max(20, min(LINES_PER_ENTITY, len(index.items) // 3)),
                seed=2026 + number,
                as_of=start,
            )
            by_week: dict[tuple[int, int], list] = defaultdict(list)
            for made in sorted(simulated, key=lambda s: (s.line.booking_date, s.line.index)):
                by_week[made.line.booking_date.isocalendar()[:2]].append(made.line)
            rows: list[BankLine] = []
            for (year, week), core_lines in sorted(by_week.items()):
                core_lines = list(with_unique_keys(core_lines))
                statement = Statement.objects.create(
                    account=account,
                    format="camt.053",
                    format_version="053.001.08",
                    statement_id=f"{year}-W{week:02d}-{entity.siren}",
                    sequence_number=str(week),
                    natural_key=f"demo:{account.account_id}:{year}-{week}",
                    from_date=core_lines[0].booking_date,
                    to_date=core_lines[-1].booking_date,
                    file_name=f"camt053_{year}W{week:02d}.xml",
                )
                batch = [_line(statement, account, line) for line in core_lines]
                BankLine.objects.bulk_create(batch)
                rows.extend(batch)
            counts = lines_match(entity=entity, lines=rows, user=ACTOR, index=index)
            audit_record(
                actor=ACTOR,
                action="cash.demo",
                obj=account,
                entity_id=entity.pk,
                after={"lines": len(rows), **counts},
                note="demo bank statements",
            )
            context.notes.append(
                f"cash {entity.name}: {len(rows)} bank lines, {counts['applied']} applied, {counts['review']} to review"
            )
