"""Cash pages end to end: queue, line actions over htmx, statements and upload job,
accounts, settings, exports; scoping and permissions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from encours.cash.models import BankAccount, BankLine, LineStatus, MatchingSettings, Statement
from encours.cash.services.imports import bank_file_import
from encours.ledger.models import Item
from tests.cash.conftest import ACCOUNT, SAMPLE, camt, credit
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def customer(entity):
    return CustomerFactory(entity=entity, name="Quincaillerie Fontaine SA", account_number="C01001")


@pytest.fixture
def invoices(customer):
    return [
        ItemFactory(customer=customer, number=f"FA2026-0{n}", amount=Decimal("500.00"), document_date=date(2026, 9, d))
        for n, d in ((101, 1), (102, 2), (103, 3))
    ]


@pytest.fixture
def line(entity, bank_account, invoices) -> BankLine:
    raw = camt(credit("NT1", "500.00", name="QUINCAILLERIE FONTAINE", text="reglement"))
    bank_file_import(raw=raw, user=None, entity=entity)
    return BankLine.objects.get(entry_ref="NT1")


def test_the_queue_lists_lines_in_review_with_their_best_suggestion(
    client, collector, line, django_assert_max_num_queries
) -> None:
    client.force_login(collector)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cash:queue"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "QUINCAILLERIE FONTAINE" in body and "Quincaillerie Fontaine SA" in body
    panel = client.get(reverse("cash:line", args=[line.pk]), **HTMX).content.decode()
    assert "FA2026-0101" in panel and "Accepter" in panel


def test_the_queue_query_count_does_not_grow_with_lines(
    client, collector, entity, bank_account, customer, django_assert_max_num_queries
) -> None:
    entries = "".join(credit(f"N{n}", f"{100 + n}.00", name=f"Payeur inconnu {n}", text="divers") for n in range(40))
    bank_file_import(raw=camt(entries), user=None, entity=entity)
    client.force_login(collector)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("cash:queue") + "?status=all").status_code == 200


def test_accept_then_undo_over_htmx(client, collector, line) -> None:
    client.force_login(collector)
    proposal = line.proposals.get(rank=1)
    response = client.post(reverse("cash:accept", args=[line.pk, proposal.pk]), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Proposition lettrée." in body and 'hx-swap-oob="true"' in body
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.APPLIED
    response = client.post(reverse("cash:undo", args=[line.pk]), **HTMX)
    assert "de retour dans la file de revue" in response.content.decode()
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.REVIEW


def test_split_form_lists_open_items_and_applies_the_amounts(client, collector, line, invoices) -> None:
    client.force_login(collector)
    url = reverse("cash:split", args=[line.pk])
    form = client.get(url, {"account_number": "C01001"}, **HTMX).content.decode()
    assert all(i.number in form for i in invoices)
    response = client.post(
        url, {"account_number": "C01001", f"item_{invoices[0].pk}": "300,00", f"item_{invoices[1].pk}": "200"}, **HTMX
    )
    assert response.status_code == 200, response.content.decode()
    assert [Item.objects.get(pk=i.pk).open_amount for i in invoices] == [Decimal(200), Decimal(300), Decimal(500)]
    # too much: refused with the reason, nothing written
    line2 = BankLine.objects.get(pk=line.pk)
    client.post(reverse("cash:undo", args=[line2.pk]), **HTMX)
    response = client.post(url, {"account_number": "C01001", f"item_{invoices[0].pk}": "600"}, **HTMX)
    assert response.status_code == 422 and "exceeds the open amount" in response.content.decode()


def test_assign_on_account_and_not_customer(client, collector, line) -> None:
    client.force_login(collector)
    client.post(reverse("cash:assign", args=[line.pk]), {"account_number": "C01001", "note": "avis à venir"}, **HTMX)
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.ON_ACCOUNT
    client.post(reverse("cash:undo", args=[line.pk]), **HTMX)
    response = client.post(reverse("cash:not_customer", args=[line.pk]))
    assert response.status_code == 302
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.NOT_CUSTOMER


def test_an_outsider_gets_404_on_every_line_url_and_sees_an_empty_queue(client, outsider, line) -> None:
    client.force_login(outsider)
    proposal = line.proposals.get(rank=1)
    assert client.get(reverse("cash:line", args=[line.pk])).status_code == 404
    assert client.post(reverse("cash:accept", args=[line.pk, proposal.pk])).status_code == 404
    assert client.post(reverse("cash:undo", args=[line.pk])).status_code == 404
    assert client.get(reverse("cash:statement", args=[line.statement_id])).status_code == 404
    assert "QUINCAILLERIE" not in client.get(reverse("cash:queue")).content.decode()
    assert BankLine.objects.get(pk=line.pk).status == LineStatus.REVIEW


def test_a_sales_rep_may_not_apply_cash(client, sales_rep, line) -> None:
    client.force_login(sales_rep)
    proposal = line.proposals.get(rank=1)
    assert client.post(reverse("cash:accept", args=[line.pk, proposal.pk])).status_code == 403


# the job runner closes a connection left in a test's transaction (PostgreSQL): commit for real
@pytest.mark.django_db(transaction=True)
def test_uploading_a_statement_runs_the_import_job_and_shows_the_counts(client, credit_manager, entity) -> None:
    from encours.ledger.services.import_fec import fec_import

    fec_import(raw=(SAMPLE / "595401761FEC20261031.txt").read_bytes(), file_name="595401761FEC20261031.txt")
    from encours.ledger.models import LegalEntity

    sample_entity = LegalEntity.objects.get(siren="595401761")
    credit_manager.entities.add(sample_entity)
    client.force_login(credit_manager)
    upload = SimpleUploadedFile("camt053_nov.xml", (SAMPLE / "camt053_nov.xml").read_bytes())
    response = client.post(reverse("cash:statements"), {"file": upload, "entity": sample_entity.pk})
    assert response.status_code == 302
    job_page = client.get(response["Location"]).content.decode()
    figures = dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", job_page))
    assert figures["Lignes bancaires"] == "45" and figures["Lettrées automatiquement sur des factures"] == "30"
    assert figures["À revoir"] == "0" and figures["Autres lignes (frais, virements internes…)"] == "15"
    assert figures["Relevés importés"] == "1" and "lines=" not in job_page and "created_accounts" not in job_page
    listing = client.get(reverse("cash:statements")).content.decode()
    assert "2026-11-595401761" in listing
    statement = Statement.objects.get()
    assert "ÉLECTRICITÉ MERCIER" in client.get(reverse("cash:statement", args=[statement.pk])).content.decode()
    csv_body = client.get(reverse("cash:export"), {"format": "csv", "entity": sample_entity.pk}).content.decode()
    assert csv_body.splitlines()[0] == "entry_ref,customer,invoice,amount" and len(csv_body.splitlines()) == 31
    fec_body = client.get(reverse("cash:export"), {"format": "fec", "entity": sample_entity.pk}).content.decode()
    assert "EcritureLet" in fec_body.splitlines()[0]


# the job runner closes a connection left in a test's transaction (PostgreSQL): commit for real
@pytest.mark.django_db(transaction=True)
def test_a_bad_upload_fails_the_job_with_a_clear_error(client, credit_manager, entity) -> None:
    client.force_login(credit_manager)
    upload = SimpleUploadedFile("bad.xml", b"<Document><BkToCstmrStmt><Stmt></Document>")
    response = client.post(reverse("cash:statements"), {"file": upload, "entity": entity.pk})
    page = client.get(response["Location"]).content.decode()
    assert "line 1, column 43" in page
    assert Statement.objects.count() == 0


# the job runner closes a connection left in a test's transaction (PostgreSQL): commit for real
@pytest.mark.django_db(transaction=True)
def test_a_statement_of_an_unknown_account_asks_for_the_entity_in_the_form_not_on_a_command_line(
    client, credit_manager, entity
) -> None:
    client.force_login(credit_manager)
    upload = SimpleUploadedFile("camt053_nov.xml", (SAMPLE / "camt053_nov.xml").read_bytes())
    response = client.post(reverse("cash:statements"), {"file": upload})
    page = unescape(client.get(response["Location"]).content.decode())
    assert "choisissez la société à laquelle il appartient dans le formulaire d'import" in page
    assert "--entity" not in page and "SIREN" not in page
    assert Statement.objects.count() == 0


def test_bank_accounts_page_validates_the_iban_and_the_csv_mapping(client, credit_manager, entity) -> None:
    client.force_login(credit_manager)
    url = reverse("cash:accounts")
    bad = client.post(url, {"entity": entity.pk, "iban": "FR76 3000 4000 0312 3456 7890 199", "currency": "EUR"})
    assert bad.status_code == 200 and "invalid IBAN" in bad.content.decode()
    wrong_mapping = client.post(
        url, {"entity": entity.pk, "iban": ACCOUNT, "currency": "EUR", "csv_mapping_text": '{"x": 1}'}
    )
    assert "Correspondance invalide" in wrong_mapping.content.decode()
    ok = client.post(
        url,
        {
            "entity": entity.pk,
            "iban": "FR76 3000 4000 0312 3456 7890 143",
            "currency": "EUR",
            "label": "Principal",
            "csv_mapping_text": '{"date_column": "Date", "amount_column": "Montant"}',
        },
    )
    assert ok.status_code == 302
    account = BankAccount.objects.get()
    assert (account.account_id, account.csv_mapping["amount_column"]) == (ACCOUNT, "Montant")


def test_matching_settings_are_saved_per_entity_and_feed_the_engine(client, credit_manager, entity) -> None:
    from encours.cash.selectors import matching_config

    client.force_login(credit_manager)
    url = reverse("cash:settings") + f"?entity={entity.pk}"
    assert client.get(url).status_code == 200
    data = {
        "entity": entity.pk,
        "auto_apply_threshold": "0.95",
        "auto_apply_margin": "0.05",
        "fee_tolerance_absolute": "10",
        "fee_tolerance_percent": "1",
        "discount_percents": "2, 3",
        "discount_grace_days": "3",
    }
    assert client.post(url, data).status_code == 302
    config = matching_config(entity)
    assert (config.auto_apply_threshold, config.fee_tolerance_absolute) == (0.95, Decimal("10.00"))
    assert config.early_payment_discount_percents == (Decimal(2), Decimal(3))
    assert MatchingSettings.objects.count() == 1
    assert client.post(url, {**data, "auto_apply_threshold": "0.2"}).status_code == 200


def test_the_dashboard_alert_counts_lines_in_review(collector, line) -> None:
    from encours.cash.alerts import lines_in_review

    (alert,) = lines_in_review(customers=None, user=collector, as_of=date(2026, 11, 30))
    from encours.ledger.models import Customer

    (same,) = lines_in_review(customers=Customer.objects.all(), user=None, as_of=date(2026, 11, 30))
    assert same.count == 1
    assert alert.count == 1 and alert.url == reverse("cash:queue")


def test_the_export_only_holds_the_users_entities(client, collector, outsider, line) -> None:
    from encours.cash.services.apply import line_accept

    line_accept(line=line, proposal=line.proposals.get(rank=1), user=collector)
    client.force_login(collector)
    assert len(client.get(reverse("cash:export")).content.decode().splitlines()) == 2
    client.force_login(outsider)
    assert client.get(reverse("cash:export")).content.decode().splitlines() == ["entry_ref,customer,invoice,amount"]


def test_the_customer_page_shows_bank_receipts_and_unapplied_cash(client, collector, line, customer) -> None:
    from encours.cash.services.apply import line_assign

    client.force_login(collector)
    page = client.get(reverse("ledger:customer", args=[customer.pk])).content.decode()
    assert 'id="bank-receipts"' in page and reverse("cash:line", args=[line.pk]) in page
    line_assign(line=line, customer=customer, user=collector)
    page = client.get(reverse("ledger:customer", args=[customer.pk])).content.decode()
    assert "500,00" in page or "500.00" in page


@pytest.mark.django_db(transaction=True)
def test_matching_the_queue_again_applies_a_line_once_its_invoice_is_known(client, collector, entity, bank_account):
    customer = CustomerFactory(entity=entity, name="Garage Lemoine SARL", account_number="C02002")
    bank_file_import(raw=camt(credit("NT9", "730.00", name="GARAGE LEMOINE", text="FACTURE FA2026-07777")), user=None)
    assert BankLine.objects.get(entry_ref="NT9").status == LineStatus.REVIEW
    ItemFactory(customer=customer, number="FA2026-07777", amount=Decimal("730.00"), document_date=date(2026, 10, 1))
    client.force_login(collector)
    response = client.post(reverse("cash:rematch"))
    assert "applied=1 review=0 other=0" in client.get(response["Location"]).content.decode()
    assert BankLine.objects.get(entry_ref="NT9").status == LineStatus.APPLIED


def test_the_queue_shows_amounts_in_the_french_format_and_the_statements_tab_says_releves(
    client, collector, entity, bank_account, customer
) -> None:
    """Issue 21: '19729,36' without separator or €; the tab 'Bilans' (the risk catalog's word)."""
    bank_file_import(raw=camt(credit("NT9", "19729.36", name="PAYEUR", text="divers")), user=None, entity=entity)
    client.force_login(collector)
    body = client.get(reverse("cash:queue")).content.decode()
    assert "19\u202f729,36\u00a0€" in body
    assert "19729,36" not in body and "19729.36" not in body
    assert ">Relevés</a>" in body and "Bilans" not in body
    assert ">Encaissements<" in body  # the menu keeps its word for "Cash"
