"""Report pages: scoped to the user, bounded in queries whatever the book's size, exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from encours.accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
AS_OF = "2026-10-31"
DAY = date(2026, 10, 31)


@pytest.fixture
def scoped_book(book, rep_customer, other_customer):
    """The rep's customer owes 1 200 (due 70 days ago); the other rep's customer 777 (not due)."""
    book.invoice(rep_customer, "1200.00", DAY - timedelta(days=100))
    book.invoice(other_customer, "777.00", DAY - timedelta(days=5))
    return book


def _get(client, name, **params):
    query = "&".join(f"{key}={value}" for key, value in {"as_of": AS_OF, **params}.items())
    return client.get(f"{reverse(name)}?{query}")


def test_home_is_the_dashboard(client, credit_manager):
    client.force_login(credit_manager)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("reports:dashboard")


def test_dashboard_shows_only_the_reps_own_customers(client, sales_rep, scoped_book, rep_customer, other_customer):
    client.force_login(sales_rep)
    html = _get(client, "reports:dashboard").content.decode()
    assert rep_customer.name in html and other_customer.name not in html
    assert "1\u202f200,00\u00a0€" in html and "777,00" not in html


def test_aged_balance_page_is_scoped_and_its_drill_down_cannot_reach_another_reps_customer(
    client, sales_rep, scoped_book, rep_customer, other_customer
):
    client.force_login(sales_rep)
    html = _get(client, "reports:aged_balance", by="customer").content.decode()
    assert rep_customer.account_number in html and other_customer.account_number not in html
    stolen = _get(client, "reports:aged_items", by="customer", key=other_customer.pk, column="total")
    assert stolen.status_code == 200 and other_customer.name not in stolen.content.decode()
    own = _get(client, "reports:aged_items", by="customer", key=rep_customer.pk, column="d61_90")
    assert "1\u202f200,00" in own.content.decode()


def test_an_outsider_sees_an_empty_book(client, outsider, scoped_book, rep_customer):
    client.force_login(outsider)
    for name in ("reports:dashboard", "reports:aged_balance", "reports:kpis", "reports:weekly"):
        assert rep_customer.name not in _get(client, name).content.decode()


def test_department_users_get_their_dashboard_but_not_the_reports(client, entity, scoped_book):
    user = UserFactory(username="quality", role=Role.DEPARTMENT, entities=[entity])
    client.force_login(user)
    assert _get(client, "reports:dashboard").status_code == 200
    for name in ("reports:aged_balance", "reports:kpis", "reports:payment_behaviour", "reports:weekly"):
        assert _get(client, name).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert _get(client, "reports:aged_balance").status_code == 302


def test_csv_and_xlsx_downloads_of_the_aged_balance(client, credit_manager, scoped_book, rep_customer):
    client.force_login(credit_manager)
    response = _get(client, "reports:aged_balance_csv", by="region")
    assert response["Content-Disposition"] == 'attachment; filename="aged-balance-region-2026-10-31.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["key"], r["d61_90"], r["not_due"], r["total"]) for r in rows] == [
        ("Bretagne", "1200.00", "0.00", "1200.00"),
        ("Occitanie", "0.00", "777.00", "777.00"),
        ("TOTAL", "1200.00", "777.00", "1977.00"),
    ]
    xlsx = _get(client, "reports:aged_balance_xlsx", by="customer")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.freeze_panes == "C2" and sheet["A2"].value == rep_customer.account_number


def test_invalid_edges_are_refused_with_a_message_and_the_defaults_are_used(client, credit_manager, scoped_book):
    client.force_login(credit_manager)
    html = _get(client, "reports:aged_balance", edges="60,30").content.decode()
    assert "30,60,90,120" in html and "91–120" in html


def test_pages_speak_french_by_default_and_english_on_demand(client, credit_manager, scoped_book):
    client.force_login(credit_manager)
    assert "1\u202f977,00\u00a0€" in _get(client, "reports:dashboard").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = _get(client, "reports:dashboard").content.decode()
    assert "€1,977.00" in html and "Open receivables" in html


def _grow(book, customers, *, start=0):
    for index in range(start, start + customers):
        customer = book.customer(account_number=f"Q{index:04d}", region=f"R{index % 3}")
        invoice = book.invoice(customer, "1000.00", DAY - timedelta(days=40 + index))
        book.pay(invoice, "400.00", DAY - timedelta(days=3))
        book.payment(customer, "50.00", DAY - timedelta(days=45))


@pytest.mark.parametrize(
    ("name", "params", "bound"),
    [
        ("reports:dashboard", {}, 32),  # 22 + the alert providers of the other apps (a few queries each)
        ("reports:aged_balance", {"by": "customer"}, 8),
        ("reports:aged_balance", {"by": "group"}, 8),
        ("reports:kpis", {"by": "region"}, 42),  # computed; a second view runs 4 (test_caching)
        # 30 + the disputed column of each aged balance + the disputes section + 16 the collectors' productivity
        ("reports:weekly", {}, 56),
    ],
)
def test_report_pages_run_the_same_bounded_number_of_queries_for_a_small_and_a_larger_book(
    client, credit_manager, book, django_assert_max_num_queries, name, params, bound
):
    client.force_login(credit_manager)
    _grow(book, 3)
    with django_assert_max_num_queries(bound) as small:
        assert _get(client, name, **params).status_code == 200
    _grow(book, 30, start=3)
    with django_assert_max_num_queries(bound) as large:
        assert _get(client, name, **params).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_payment_behaviour_page_ranks_the_latest_payers_first(client, credit_manager, book):
    late, early = book.customer(name="Lente SARL"), book.customer(name="Rapide SA")
    book.pay(book.invoice(late, "1000.00", date(2026, 6, 1), terms=30), "1000.00", date(2026, 8, 10))  # 40 days late
    book.pay(book.invoice(early, "1000.00", date(2026, 6, 1), terms=30), "1000.00", date(2026, 6, 28))  # 3 early
    client.force_login(credit_manager)
    html = _get(client, "reports:payment_behaviour").content.decode()
    assert html.index("Lente SARL") < html.index("Rapide SA")
    assert "40,0" in html and "\u22123,0" not in html  # days are shown, the early payer at −3,0
    assert "-3,0" in html or "−3,0" in html


def test_payment_behaviour_page_shows_no_sector_average_for_a_customer_without_naf_code(client, credit_manager, book):
    """Two customers without NAF code paid 40 and 10 days late: their pool (25,0) is no sector."""
    late = book.customer(name="Sans Code Lente", naf_code="")
    early = book.customer(name="Sans Code Rapide", naf_code="")
    bakery = book.customer(name="Boulangerie Notée", naf_code="10.71C")
    book.pay(book.invoice(late, "1000.00", date(2026, 6, 1), terms=30), "1000.00", date(2026, 8, 10))
    book.pay(book.invoice(early, "1000.00", date(2026, 6, 1), terms=30), "1000.00", date(2026, 7, 11))
    book.pay(book.invoice(bakery, "1000.00", date(2026, 6, 1), terms=30), "1000.00", date(2026, 7, 3))
    client.force_login(credit_manager)
    response = _get(client, "reports:payment_behaviour")
    sectors = {line["customer"].name: line["sector"] for line in response.context["lines"]}
    assert sectors["Sans Code Lente"] is None and sectors["Sans Code Rapide"] is None
    assert sectors["Boulangerie Notée"].days_late.weighted_days_late == Decimal(2)
    html = response.content.decode()
    row = html[html.index("Sans Code Lente") :].split("</tr>")[0]
    assert row.rstrip().endswith('<td class="num">—</td>') and "25,0" not in row


def test_the_customer_page_shows_days_late_against_the_sector(client, credit_manager, book):
    bakery = book.customer(naf_code="10.71C", name="Boulangerie Lente")
    other = book.customer(naf_code="10.71B", name="Boulangerie Rapide")
    book.pay(book.invoice(bakery, "1000.00", DAY - timedelta(days=100), terms=30), "1000.00", DAY - timedelta(days=50))
    book.pay(book.invoice(other, "3000.00", DAY - timedelta(days=100), terms=30), "3000.00", DAY - timedelta(days=70))
    client.force_login(credit_manager)
    html = client.get(reverse("ledger:customer", args=[bakery.pk])).content.decode()
    panel = html[html.index('id="payment-behaviour"') :][:600]
    # 20 days late; sector 10: (1 000 × 20 + 3 000 × 0) / 4 000 = 5
    assert "20,0" in panel and "5,0" in panel
    assert Decimal(1)


def test_the_kpi_page_shows_the_months_of_the_chosen_row_and_the_totals(client, credit_manager, scoped_book):
    client.force_login(credit_manager)
    whole = _get(client, "reports:kpis", by="region")
    assert [row.key for row in whole.context["report"].rows] == ["Bretagne", "Occitanie"]
    assert whole.context["series"].points[-1].receivables == Decimal("1977.00")
    assert [row.figures.open_ar for row in whole.context["totals"]] == [Decimal("1977.00")]
    focused = _get(client, "reports:kpis", by="region", key="Bretagne")
    assert focused.context["focus"].name == "Bretagne"
    assert focused.context["series"].points[-1].receivables == Decimal("1200.00")


def test_drill_down_by_group_and_for_the_whole_book(client, credit_manager, book, scoped_book, rep_customer):
    from encours.ledger.models import CustomerGroup

    group = CustomerGroup.objects.create(code="GRP", name="Groupe Martin")
    rep_customer.group = group
    rep_customer.save()
    client.force_login(credit_manager)
    grouped = _get(client, "reports:aged_items", by="group", key=f"g{group.pk}", column="total")
    assert [item.customer_id for item in grouped.context["page"]] == [rep_customer.pk]
    everything = _get(client, "reports:aged_items", column="not_due")
    assert [str(item.open_on) for item in everything.context["page"]] == ["777.000"]
    refused = _get(client, "reports:aged_items", by="group", key="x1", column="total")
    assert refused.context["page"] is None and "not a group or customer identifier" in refused.content.decode()


def test_the_csv_download_of_a_scope_in_two_currencies_sends_back_to_the_page_with_a_message(
    client, credit_manager, book, scoped_book
):
    from tests.factories import EntityFactory

    swiss = EntityFactory(name="Durand Suisse SA", siren="552100554", currency="CHF")
    credit_manager.entities.add(swiss)
    book.invoice(book.customer(entity=swiss), "70.00", DAY - timedelta(days=5))
    client.force_login(credit_manager)
    refused = _get(client, "reports:aged_balance_csv", by="customer")
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("reports:aged_balance"))
    page = client.get(refused["Location"]).content.decode()
    assert "choisissez une société" in page and "XLSX" in page
    assert _get(client, "reports:aged_balance_csv", by="currency").status_code == 200
    assert _get(client, "reports:aged_balance_xlsx", by="customer").status_code == 200
    assert _get(client, "reports:aged_balance_csv", by="customer", entity=swiss.pk).status_code == 200


def test_every_cell_of_the_aged_balance_links_to_its_items_in_the_rows_currency(client, credit_manager, book):

    from encours import contracts
    from tests.factories import EntityFactory

    swiss = EntityFactory(name="Durand Suisse SA", siren="552100554", currency="CHF")
    credit_manager.entities.add(swiss)
    contested = book.invoice(book.customer(region="Bretagne"), "1000.00", DAY - timedelta(days=45))
    book.payment(book.customer(region="Bretagne"), "80.00", DAY - timedelta(days=2))
    franc = book.invoice(book.customer(region="Bretagne", entity=swiss), "70.00", DAY - timedelta(days=5))

    @contracts.DISPUTED_AMOUNTS.register
    def disputed(*, as_of, item_ids=None):
        return {contested.pk: contested.amount}

    client.force_login(credit_manager)
    page = _get(client, "reports:aged_balance", by="region")
    html = page.content.decode()
    rows = {row.currency: row for row in page.context["report"].rows}
    row_link = "key=Bretagne&amp;name=Bretagne&amp;column=disputed"
    assert f"currency=EUR&amp;{row_link}" in html
    for column in ("unapplied", "total", "disputed"):
        assert (
            f"currency=CHF&amp;by=&amp;column={column}" in html and f"currency=EUR&amp;by=&amp;column={column}" in html
        )
    chf_row = _get(client, "reports:aged_items", by="region", key=rows["CHF"].ident, currency="CHF", column="total")
    assert [item.pk for item in chf_row.context["page"]] == [franc.pk]
    eur_total = _get(client, "reports:aged_items", by="", currency="EUR", column="total")
    assert {item.currency for item in eur_total.context["page"]} == {"EUR"} and len(eur_total.context["page"]) == 2
    listed = _get(client, "reports:aged_items", by="", currency="EUR", column="disputed")
    assert [item.pk for item in listed.context["page"]] == [contested.pk]
    assert "En litige" in listed.content.decode()


def test_the_kpi_page_series_shows_unpaid_rate_and_share_of_assets_and_flags_an_out_of_range_cei(
    client, credit_manager, entity, book
):
    """Lumpy: 10 000 open since November, only 300 sold in October: CEI (10 000 + 100 − 10 300)
    / (10 000 + 100 − 300) = −2,0 %, shown muted and explained, not hidden."""
    entity.total_assets = Decimal("500000.00")
    entity.save()
    lumpy = book.customer(name="Chantier Ponctuel", account_number="L1")
    book.invoice(lumpy, "10000.00", date(2025, 11, 20))
    book.invoice(lumpy, "300.00", DAY - timedelta(days=5))
    client.force_login(credit_manager)
    response = _get(client, "reports:kpis", by="customer")
    cei = response.context["report"].rows[0].figures.cei
    assert round(cei, 1) == Decimal("-2.0")
    html = response.content.decode()
    assert '<span class="muted cei-out" title="Hors de l&#x27;intervalle 0–100' in html and "\u22122,0" not in html
    assert "-2,0\u00a0%</span>" in html
    series = response.context["series"]
    assert series.total_assets == Decimal("500000.00")
    assert series.points[-1].share_of_assets == Decimal("10300.00") / Decimal("500000.00")
    assert "dernier bilan connu" in html and "2,1\u00a0%" in html  # 10 300 / 500 000
    assert "libellées comme créances irrécouvrables" in html  # what the unpaid rate counts as written off
