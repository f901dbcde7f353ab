"""Cash application figures: the matching engine on 10 000 lines against 200 000 open
items (the issue's target: under 10 s), then a statement import with matching and the
set-based application on the bench database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, Q

from encours.cash.models import BankAccount, BankLine, Statement
from encours.cash.selectors import matching_index
from encours.cash.services.imports import _line
from encours.cash.services.matching import lines_match
from encours.core.formats.bank import with_unique_keys
from encours.ledger.models import LegalEntity
from encours.synthetic.banksim.portfolio import french_iban
from encours.synthetic.banksim.simulator import benchmark_matching, generate_bank_lines
from encours.web.bench import BenchContext, Figure


def matching_speed(context: BenchContext) -> Iterator[Figure]:
    items, lines = (40_000, 2_000) if context.small else (200_000, 10_000)
    result = benchmark_matching(items=items, lines=lines, seed=context.seed)
    yield Figure(
        f"matching {lines:,} lines × {items:,} open items".replace(",", " "),
        result.match_seconds,
        "s",
        "< 10 s" if not context.small else "",
        detail=(
            f"index built in {result.index_seconds:.2f} s, {result.lines_per_second:,.0f} lines/s, "
            f"CPU {result.cpu_seconds:.2f} s for index + matching"
        ),
    )


def import_and_apply(context: BenchContext) -> Iterator[Figure]:
    """Lines generated from the bench portfolio's first entity, stored, matched and applied in bulk."""
    entity = LegalEntity.objects.annotate(n=Count("items", filter=~Q(items__open_amount=0))).order_by("-n").first()
    if entity is None:
        return
    import random

    started = time.perf_counter()
    index = matching_index(entity.pk)
    loaded = time.perf_counter() - started
    count = 500 if context.small else 2_000
    simulated = generate_bank_lines(
        customers=list(index.customers.values()),
        items=list(index.items.values()),
        count=count,
        seed=context.seed,
        as_of=context.as_of - timedelta(days=31),
    )
    iban = french_iban(random.Random(context.seed))
    account = BankAccount.objects.create(entity=entity, account_id=iban, iban=iban, label="bench")
    statement = Statement.objects.create(account=account, format="camt.053", natural_key=f"bench:{iban}")
    rows = [_line(statement, account, s) for s in with_unique_keys([s.line for s in simulated])]
    began = time.perf_counter()
    BankLine.objects.bulk_create(rows, batch_size=2000)
    counts = lines_match(entity=entity, lines=rows, user="bench", index=index)
    elapsed = time.perf_counter() - began
    yield Figure(
        f"bank lines stored, matched and applied ({count} lines)",
        elapsed,
        "s",
        detail=(
            f"{len(index.items)} open items loaded in {loaded:.2f} s; applied {counts['applied']}, "
            f"review {counts['review']}, other {counts['other']}"
        ),
    )


BENCHMARKS = [(70, matching_speed), (71, import_and_apply)]
