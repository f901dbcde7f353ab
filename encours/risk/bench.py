"""Risk figures on the bench portfolio: the order credit check over HTTP (target < 50 ms),
grading the whole book in the daily run, and the portfolio risk map page."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from encours.accounts.models import Role
from encours.api.auth import api_token_create
from encours.ledger.selectors import customers_for
from encours.risk.daily import risk_daily_run
from encours.risk.models import CreditLimit, LimitStatus
from encours.web.bench import BenchContext, Figure, p95, stopwatch

CHECK_SAMPLES = 300


def _credit_manager() -> Any:
    users = get_user_model().objects
    return users.filter(username="credit").first() or users.filter(role=Role.CREDIT_MANAGER).first()


def credit_check(context: BenchContext) -> Iterator[Figure]:
    user = _credit_manager()
    if user is None:
        return
    rng = random.Random(context.seed)
    sample = list(customers_for(user).select_related("entity").order_by("?")[:CHECK_SAMPLES])
    now = timezone.now()
    CreditLimit.objects.bulk_create(
        CreditLimit(customer=c, amount=Decimal(rng.choice((20000, 50000, 100000))), status=LimitStatus.APPROVED,
                    valid_from=context.as_of, requested_at=now, decided_at=now)
        for c in sample[: len(sample) // 2]
    )  # fmt: skip
    token = api_token_create(user=user, name="bench")
    client = Client()
    url = "/api/v1/credit-check"
    timings = []
    decisions: dict[str, int] = {}
    with override_settings(DEBUG=False):
        for customer in sample:
            body = {"customer": customer.account_number, "entity": customer.entity.siren,
                    "amount": str(rng.choice((1500, 15000, 80000))), "currency": customer.entity.currency}  # fmt: skip
            started = time.perf_counter()
            response = client.post(url, json.dumps(body), content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
            timings.append(time.perf_counter() - started)
            decision = response.json().get("decision", str(response.status_code))
            decisions[decision] = decisions.get(decision, 0) + 1
    timings.sort()
    detail = (
        f"{len(timings)} checks over HTTP on {connection.vendor}, median {timings[len(timings) // 2] * 1000:.1f} ms; "
        + ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))
    )
    yield Figure("credit check API p95", p95(timings) * 1000, "ms", "< 50 ms", detail)


def daily_run(context: BenchContext) -> Iterator[Figure]:
    with stopwatch() as elapsed:
        report = risk_daily_run(as_of=context.as_of)
    yield Figure("risk daily run (grade + alerts), whole portfolio", elapsed[0], "s",
                 detail=f"{report.customers} customers, {report.graded} graded, {report.alerts} alerts")  # fmt: skip


def risk_map(context: BenchContext) -> Iterator[Figure]:
    user = _credit_manager()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    timings = []
    with override_settings(DEBUG=False):
        for _ in range(5):
            with stopwatch() as elapsed:
                client.get(reverse("risk:portfolio"))
            timings.append(elapsed[0])
    yield Figure("risk map page (exposure by grade and sector), whole portfolio", sorted(timings)[2], "s",
                 detail="median of 5")  # fmt: skip


BENCHMARKS = [(70, credit_check), (71, daily_run), (72, risk_map)]
