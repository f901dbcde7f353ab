"""Property: whatever the sequence of run dates, a step never fires twice for an invoice and a
customer gets at most one message a day."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from encours.collections import documents
from encours.collections.execution import run_create, run_execute
from encours.collections.models import DunningMessage, ExecutedStep
from tests.collections.conftest import invoice

pytestmark = pytest.mark.django_db
START = date(2026, 1, 1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offsets=st.lists(st.integers(min_value=-10, max_value=90), min_size=1, max_size=8),
    dues=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=4),
)
def test_a_step_never_fires_twice_for_an_invoice(acme, monkeypatch, offsets, dues):
    from django.db import transaction

    monkeypatch.setattr(documents, "statement_pdf", lambda **kwargs: b"%PDF-1.4 statement")
    monkeypatch.setattr(documents, "letter_pdf", lambda **kwargs: b"%PDF-1.4 letter")
    with transaction.atomic():
        items = [invoice(acme, f"P-{index}", START + timedelta(days=due)) for index, due in enumerate(dues)]
        for offset in sorted(offsets) + sorted(offsets, reverse=True):
            run_execute(run=run_create(as_of=START + timedelta(days=offset), user=None), user=None)
        steps = Counter(
            ExecutedStep.objects.filter(item__in=items).values_list("item_id", "scenario_code", "step_code")
        )
        assert all(count == 1 for count in steps.values())
        # each invoice's own step in the messages sent (a lower step covered by a higher one counts)
        sent = Counter(
            ExecutedStep.objects.filter(message__status="sent", skipped=False).values_list("item_id", "step_code")
        )
        assert all(count == 1 for count in sent.values())
        days = Counter(DunningMessage.objects.filter(status="sent").values_list("customer_id", "executed_on"))
        assert all(count == 1 for count in days.values())  # one message per customer and run day
        transaction.set_rollback(True)
