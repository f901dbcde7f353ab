"""Pages: worklist and its one-click actions, runs, scenarios, rates, statements, customer panel."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from encours.collections.models import CallTask, CustomerDunning, DunningMessage, DunningRun, DunningStep, Promise
from tests.collections.conftest import invoice
from tests.factories import ContactFactory, CustomerFactory, ItemFactory, allocate
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 20)


@pytest.fixture
def book(acme, collector, lettered_entity):
    """Acme: 6 000 € 40 days late; Bolt: 9 000 € 5 days late; Zed (another collector's): 50 000 €."""
    from tests.factories import UserFactory

    invoice(acme, "FA-001", TODAY - timedelta(days=40), "6000.00")
    bolt = CustomerFactory(entity=lettered_entity, name="Bolt SAS", collector=collector)
    ContactFactory(customer=bolt)
    invoice(bolt, "FB-001", TODAY - timedelta(days=5), "9000.00")
    other = UserFactory(username="collector2", role="collector", entities=[lettered_entity])
    zed = CustomerFactory(entity=lettered_entity, name="Zed SA", collector=other)
    invoice(zed, "FZ-001", TODAY - timedelta(days=60), "50000.00")
    return {"acme": acme, "bolt": bolt, "zed": zed}


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_worklist_ranks_the_collectors_portfolio_with_reasons(client, collector, book, django_assert_max_num_queries):
    client.force_login(collector)
    # 20 of its own + grades, predictions, factored items and other apps' tasks (one or two each)
    with django_assert_max_num_queries(26):
        response = client.get(reverse("collections:worklist"), {"as_of": TODAY.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Acme Bâtiment SARL") < html.index("Bolt SAS")  # 6 000 × 1.67 > 9 000 × 1.08
    assert "Zed SA" not in html
    assert "40.0" in html


def test_credit_manager_sees_every_collector_and_can_filter(client, credit_manager, collector, book):
    html = get(client, credit_manager, reverse("collections:worklist"), as_of=TODAY.isoformat()).content.decode()
    assert html.index("Zed SA") < html.index("Acme Bâtiment SARL")
    html = client.get(reverse("collections:worklist"), {"as_of": TODAY.isoformat(), "collector": collector.pk})
    assert "Zed SA" not in html.content.decode()


def test_log_call_then_promise_from_the_worklist(client, collector, book):
    acme = book["acme"]
    client.force_login(collector)
    url = reverse("collections:call", args=[acme.pk])
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    response = client.post(url, {"outcome": "promise", "note": "pays Friday", "as_of": TODAY.isoformat()},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert 'name="promised_date"' in response.content.decode()  # the promise form follows
    assert CallTask.objects.get().outcome == "promise"
    item = acme.items.get()
    response = client.post(
        reverse("collections:promise", args=[acme.pk]),
        {"items": [item.pk], "amount": "6000", "promised_date": (TODAY + timedelta(days=3)).isoformat(),
         "as_of": TODAY.isoformat()},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200 and "action-done" in response.content.decode()
    promise = Promise.objects.get()
    assert list(promise.items.all()) == [item] and promise.amount == Decimal("6000.000")


def test_snooze_hides_the_customer_until_the_date(client, collector, book):
    client.force_login(collector)
    client.post(reverse("collections:snooze", args=[book["acme"].pk]), {"days": "7", "as_of": TODAY.isoformat()})
    assert CustomerDunning.objects.get(customer=book["acme"]).snoozed_until == TODAY + timedelta(days=7)
    html = client.get(reverse("collections:worklist"), {"as_of": TODAY.isoformat()}).content.decode()
    assert "Acme Bâtiment SARL" not in html


def test_send_statement_now(client, collector, book, smtp_sink):
    client.force_login(collector)
    client.post(reverse("collections:statement_send", args=[book["acme"].pk]), HTTP_HX_REQUEST="true")
    assert smtp_sink.messages[0][1] == ("compta@acme.example.fr",)
    assert DunningMessage.objects.get().step_code == "statement"


def test_statement_pdf_and_xlsx_as_of_a_date(client, credit_manager, acme):
    item = invoice(acme, "FA-001", date(2026, 2, 1), "1000.00")
    payment = ItemFactory(customer=acme, type="payment", number="VIR-9", amount=Decimal("-400"),
                          document_date=date(2026, 3, 1))  # fmt: skip
    allocate(item, payment, Decimal("400"), date(2026, 3, 1))
    client.force_login(credit_manager)
    url = reverse("collections:statement", args=[acme.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(client.get(url, {"as_of": "2026-02-15"}).content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[1] == "FA-001"]
    assert rows[0][5] == 1000  # before the payment: all of it open
    sheet = load_workbook(io.BytesIO(client.get(url, {"as_of": "2026-03-15"}).content)).active
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[1] in ("FA-001", "VIR-9")]
    assert [(r[1], r[5]) for r in values] == [("FA-001", 600)]
    pdf = client.get(reverse("collections:statement", args=[acme.pk, "pdf"]), {"as_of": "2026-03-15"}).content
    text = pdf_text(pdf)
    assert "Relevé de compte" in text and "FA-001" in text and "600,00" in text


def test_a_user_cannot_reach_another_portfolio_by_url(client, sales_rep, outsider, acme, collector, smtp_sink):
    invoice(acme, "FA-001", TODAY - timedelta(days=4))
    from encours.collections.execution import run_create, run_execute

    run_execute(run=run_create(as_of=TODAY, user=None), user=None)
    message = DunningMessage.objects.get()
    for user in (sales_rep, outsider):
        client.force_login(user)
        assert client.get(reverse("collections:statement", args=[acme.pk, "pdf"])).status_code == 404
        assert client.get(reverse("collections:message_file", args=[message.pk, "eml"])).status_code == 404
        assert client.post(reverse("collections:snooze", args=[acme.pk])).status_code == 404
        assert client.get(reverse("collections:customer_panel", args=[acme.pk, "timeline"])).status_code == 404
        html = client.get(reverse("collections:worklist")).content.decode()
        assert "Acme" not in html


def test_auditor_cannot_act(client, auditor, acme):
    client.force_login(auditor)
    assert client.post(reverse("collections:snooze", args=[acme.pk])).status_code == 403
    assert client.get(reverse("collections:runs")).status_code == 403


@pytest.mark.django_db(transaction=True)  # the job runs inline and manages its own connection
def test_run_page_plans_excludes_and_executes_in_the_background(client, credit_manager, book, smtp_sink):
    client.force_login(credit_manager)
    response = client.post(reverse("collections:runs"), {"as_of": TODAY.isoformat()})
    run = DunningRun.objects.get()
    assert response.url == reverse("collections:run", args=[run.pk])
    html = client.get(response.url).content.decode()
    assert "Bolt SAS" in html and "Zed SA" in html
    client.post(reverse("collections:run_exclude", args=[run.pk]), {"customer": book["zed"].pk})
    html = client.post(reverse("collections:run_exclude", args=[run.pk]), {"customer": book["bolt"].pk}).content
    assert "Réintégrer" in html.decode()
    client.post(reverse("collections:run_execute", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "done" and run.job_id
    assert {m.customer_id for m in DunningMessage.objects.all()} == {book["acme"].pk}
    assert "done" in client.get(reverse("collections:run_job", args=[run.pk])).content.decode().lower()


def test_step_editor_refuses_a_step_out_of_order_and_saves_a_valid_one(client, credit_manager):
    step = DunningStep.objects.get(scenario__code="standard", code="second_reminder")
    client.force_login(credit_manager)
    url = reverse("collections:step", args=[step.pk])
    data = {"order": 2, "code": "second_reminder", "offset_days": 1, "channel": "email", "action": "none",
            "min_amount": "10"}  # fmt: skip
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert "must come later" in response.content.decode()
    data["offset_days"] = 12
    client.post(url, data, HTTP_HX_REQUEST="true")
    step.refresh_from_db()
    assert step.offset_days == 12
    new = client.post(
        reverse("collections:step_new", args=[step.scenario_id]),
        {"order": 7, "code": "final_call", "offset_days": 75, "channel": "call", "action": "none", "min_amount": "0"},
    )
    assert new.status_code == 200 and step.scenario.steps.filter(code="final_call").exists()
    assert client.get(reverse("collections:scenarios")).status_code == 200


def test_rates_page_adds_a_rate(client, credit_manager):
    client.force_login(credit_manager)
    client.post(
        reverse("collections:rates"), {"table": "mro", "half_year": "2027-H1", "rate_pct": "2.4", "source": "BCE"}
    )
    html = client.get(reverse("collections:rates")).content.decode()
    assert "2027-H1" in html


def test_customer_page_shows_timeline_penalties_and_settings(client, credit_manager, acme, smtp_sink):
    invoice(acme, "FA-001", date(2026, 1, 31), "1000.00")
    from encours.collections.execution import run_create, run_execute

    run_execute(run=run_create(as_of=date(2026, 2, 5), user=None), user=None)
    client.force_login(credit_manager)
    page = client.get(reverse("ledger:customer", args=[acme.pk])).content.decode()
    for kind in ("penalties", "timeline"):
        assert reverse("collections:customer_panel", args=[acme.pk, kind]) in page
    html = client.get(reverse("collections:customer_panel", args=[acme.pk, "timeline"])).content.decode()
    assert 'id="collections-panel"' in html and "Relance de paiement" in html
    card = client.get(reverse("collections:customer_panel", args=[acme.pk, "penalties"]), {"as_of": "2026-03-02"})
    # 1 000 € × 12.15 % × 30/365 = 9.99 € of interest + 40 € indemnity
    assert 'id="penalties-card"' in card.content.decode() and "49,99" in card.content.decode()
    client.post(reverse("collections:customer_settings", args=[acme.pk]), {"paused_until": "2026-12-31"})
    assert CustomerDunning.objects.get(customer=acme).paused_until == date(2026, 12, 31)


def test_the_kept_worklist_follows_a_payment_at_once(client, collector, book):
    from encours.ledger.services.items import allocation_create, item_create

    client.force_login(collector)
    url = reverse("collections:worklist")
    assert "Acme Bâtiment SARL" in client.get(url, {"as_of": TODAY.isoformat()}).content.decode()
    assert "Acme Bâtiment SARL" in client.get(url, {"as_of": TODAY.isoformat()}).content.decode()  # kept
    acme = book["acme"]
    payment = item_create(customer=acme, type="payment", number="VIR-1", document_date=TODAY,
                          amount=Decimal("-6000.00"), user=collector)  # fmt: skip
    allocation_create(debit=acme.items.get(number="FA-001"), credit=payment, amount=Decimal("6000.00"), on=TODAY,
                      user=collector)  # fmt: skip
    html = client.get(url, {"as_of": TODAY.isoformat()}).content.decode()
    assert "Acme Bâtiment SARL" not in html and "Bolt SAS" in html


def test_other_teams_tasks_show_the_most_urgent_with_the_customer(client, collector, book):
    from encours import contracts

    acme = book["acme"]

    def many(*, customers, user, as_of):
        for n in range(30):
            yield contracts.WorkTask(customer_id=acme.pk, due_on=as_of + timedelta(days=n - 2), title=f"Task {n:02d}",
                                 source="test")  # fmt: skip

    with contracts.restored():
        contracts.WORK_TASKS.register(many)
        client.force_login(collector)
        url = reverse("collections:worklist")
        html = client.get(url, {"as_of": TODAY.isoformat()}).content.decode()
        assert "Task 00" in html and "Task 24" in html and "Task 25" not in html
        assert "25" in html and "30" in html and "tasks=all" in html
        assert html.count("Acme Bâtiment SARL") >= 25  # each task names its customer
        html = client.get(url, {"as_of": TODAY.isoformat(), "tasks": "all"}).content.decode()
        assert "Task 29" in html


def _french(client, user):
    from django.conf import settings

    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"


def test_timeline_promise_form_and_worklist_show_formatted_values_in_french(client, collector, acme):
    """Issue 21: '44254.500 EUR' in the collection history, '17916.820' in the promise form, the worklist
    priority shown in euros (a score, not money)."""
    from encours.ledger.models import ItemType

    debit = invoice(acme, "FA-777", TODAY - timedelta(days=40), "17916.82")
    ItemFactory(customer=acme, type=ItemType.PAYMENT, number="VIR-1", amount=Decimal("-44254.50"),
                document_date=TODAY - timedelta(days=3), due_date=TODAY - timedelta(days=3))  # fmt: skip
    _french(client, collector)
    client.post(
        reverse("collections:promise", args=[acme.pk]),
        {"items": [debit.pk], "amount": "1 000,5", "promised_date": (TODAY + timedelta(days=3)).isoformat(),
         "as_of": TODAY.isoformat()},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert Promise.objects.get().amount == Decimal("1000.50")  # the localized field reads French input

    html = client.get(reverse("collections:customer_panel", args=[acme.pk, "timeline"]),
                      {"as_of": TODAY.isoformat()}).content.decode()  # fmt: skip
    assert "44\u202f254,50\u00a0€" in html and "1\u202f000,50\u00a0€ → 23/03/2026" in html
    assert "44254" not in html and " EUR" not in html and "1000.500" not in html

    form = client.get(reverse("collections:promise", args=[acme.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert f"FA-777 · {(TODAY - timedelta(days=40)):%d/%m/%Y} · 17\u202f916,82\u00a0€" in form
    assert "17916.820" not in form

    worklist = client.get(reverse("collections:worklist"), {"as_of": TODAY.isoformat()}).content.decode()
    import re

    scores = re.findall(r'<td class="right" title="[^"]*">([^<]*)</td>', worklist)
    assert scores and all("€" not in s and re.fullmatch(r"[\d\u00a0\u202f]+", s.strip()) for s in scores), scores


def test_the_run_plan_shows_translated_labels_not_codes(client, credit_manager, book):
    """Issue 21: 'NO_STEP_DUE', 'friendly_reminder', 'credit_block' in the dunning plan."""
    from encours.collections.execution import run_create

    invoice(book["acme"], "FA-NEXT", TODAY + timedelta(days=30))  # no step due yet
    run = run_create(as_of=TODAY, user=None)
    _french(client, credit_manager)
    html = client.get(reverse("collections:run", args=[run.pk])).content.decode()
    assert "Relance amiable" in html and "Aucune étape due" in html
    import re

    visible = re.sub(r"<[^>]*>", " ", html)  # the planner's reasons (core English text, tooltips) are another task
    for code in ("friendly_reminder", "no_step_due", "NO_STEP_DUE", "credit_block", " email "):
        assert code not in visible, code


def test_the_step_editor_shows_its_minimum_amount_in_the_french_format(client, credit_manager):
    step = DunningStep.objects.get(scenario__code="standard", code="second_reminder")
    step.min_amount = Decimal("1500")
    step.save()
    _french(client, credit_manager)
    html = client.get(reverse("collections:step", args=[step.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'name="min_amount" value="1500,00"' in html and "1500.000" not in html
