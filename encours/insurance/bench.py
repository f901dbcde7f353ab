"""Insurance figures on the bench portfolio: the exposure-against-cover CSV for the whole book
(``manage.py insurance_exposure``), the insured portfolio page and the factoring position."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from encours.accounts.models import Role
from encours.insurance.models import FactoringContract
from encours.insurance.services.factoring import factoring_position
from encours.ledger.models import Customer
from encours.web.bench import BenchContext, Figure, stopwatch

PAGE_SAMPLES = 5


def exposure_csv(context: BenchContext) -> Iterator[Figure]:
    output = Path(context.workdir) / "insurance_exposure.csv"
    with stopwatch() as elapsed:
        call_command(
            "insurance_exposure",
            "--as-of",
            context.as_of.isoformat(),
            "--format",
            "csv",
            "--output",
            str(output),
            stderr=io.StringIO(),
        )
    lines = sum(1 for _ in output.open()) - 1
    customers = Customer.objects.count()
    yield Figure(
        "insurance_exposure CSV, whole portfolio",
        elapsed[0],
        "s",
        "< 5 s",
        detail=f"{lines} buyers written of {customers} customers",
    )


def pages(context: BenchContext) -> Iterator[Figure]:
    user = get_user_model().objects.filter(role=Role.CREDIT_MANAGER).first()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    url = reverse("insurance:portfolio") + f"?as_of={context.as_of.isoformat()}"
    times = []
    with override_settings(ALLOWED_HOSTS=["*"]):
        for _ in range(PAGE_SAMPLES if not context.small else 2):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
    yield Figure("insured portfolio page (median)", sorted(times)[len(times) // 2], "s", "< 2 s")
    contract = FactoringContract.objects.first()
    if contract is not None:
        with stopwatch() as elapsed:
            factoring_position(contract=contract, as_of=context.as_of)
        yield Figure("factoring position", elapsed[0] * 1000, "ms")


BENCHMARKS = [(70, exposure_csv), (71, pages)]
