"""Collections figures: the dunning plan for every customer, and the worklist page."""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from encours.accounts.models import Role
from encours.collections.models import CallTask
from encours.collections.planning import plan_for, plan_inputs
from encours.collections.services import call_log
from encours.ledger.models import Customer
from encours.web.bench import BenchContext, Figure, p95, stopwatch

WORKLIST_SAMPLES = 20
AFTER_WRITE_SAMPLES = 5


def dunning_plan(context: BenchContext) -> Iterator[Figure]:
    customers = Customer.objects.all()
    with stopwatch() as read:
        inputs = plan_inputs(as_of=context.as_of, customers=customers)
    with stopwatch() as planned:
        plan = plan_for(as_of=context.as_of, customers=customers)
    yield Figure(
        f"dunning plan for {len(inputs.customers):,} customers",
        planned[0],
        "s",
        "< 30 s",
        detail=f"{len(inputs.items):,} open items, {len(plan.messages):,} messages; reading the ledger {read[0]:.1f} s",
    )


def worklist_page(context: BenchContext) -> Iterator[Figure]:
    users = get_user_model().objects
    collector = users.filter(username="collector1").first() or users.filter(role=Role.COLLECTOR).first()
    if collector is None:
        return
    client = Client()
    client.force_login(collector)
    url = f"{reverse('collections:worklist')}?as_of={context.as_of.isoformat()}"
    samples = []
    with override_settings(DEBUG=False):
        for _ in range(WORKLIST_SAMPLES + 1):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
    portfolio = Customer.objects.filter(collector=collector).count()
    yield Figure(
        "worklist page p95",
        p95(samples[1:]) * 1000,
        "ms",
        "< 200 ms",
        detail=f"{collector.username}: {portfolio:,} customers; first {samples[0] * 1000:.0f} ms",
    )
    # the collector logs a call before each view: the kept ranking is recomputed every time
    customers = list(Customer.objects.filter(collector=collector).order_by("pk")[:AFTER_WRITE_SAMPLES])
    after_write = []
    with override_settings(DEBUG=False):
        for customer in customers:
            call_log(customer=customer, user=collector, outcome=CallTask.Outcome.NO_ANSWER, on=context.as_of,
                     note="bench")  # fmt: skip
            started = time.perf_counter()
            client.get(url)
            after_write.append(time.perf_counter() - started)
    if after_write:
        after_write.sort()
        yield Figure(
            "worklist page right after a call is logged (median)",
            after_write[len(after_write) // 2] * 1000,
            "ms",
            detail=f"{len(after_write)} views, slowest {after_write[-1] * 1000:.0f} ms",
        )


BENCHMARKS = [(70, dunning_plan), (71, worklist_page)]
