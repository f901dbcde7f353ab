"""Disputes figures on the bench portfolio: the disputes report, the provider behind the aged
balance's disputed column, and the dispute list page."""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from encours.disputes.models import Dispute
from encours.disputes.reporting import report_rows
from encours.disputes.selectors import disputed_lines
from encours.web.bench import BenchContext, Figure, p95, stopwatch

PAGE_SAMPLES = 40


def disputes_figures(context: BenchContext) -> Iterator[Figure]:
    count = Dispute.objects.count()
    with stopwatch() as report_time:
        rows = report_rows(as_of=context.as_of)
    opened = sum(row.open_count for row in rows)
    yield Figure(
        "disputes report by reason, whole portfolio", report_time[0], "s", detail=f"{count} disputes, {opened} open"
    )
    with stopwatch() as provider_time:
        total = disputed_lines(as_of=context.as_of).aggregate(total=Sum("amount"))["total"]
    yield Figure("disputed amounts as of a date (provider)", provider_time[0], "s", detail=f"total {total or 0:,.2f}")
    user = get_user_model().objects.filter(username="credit").first()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    samples = []
    with override_settings(ALLOWED_HOSTS=["*"]):
        for page in range(1, PAGE_SAMPLES + 1):
            started = time.perf_counter()
            client.get(reverse("disputes:list"), {"status": "all", "page": page % 10 + 1})
            samples.append(time.perf_counter() - started)
    yield Figure("dispute list page p95", p95(samples) * 1000, "ms", "< 200 ms", detail=f"{PAGE_SAMPLES} pages")


BENCHMARKS = [(60, disputes_figures)]
