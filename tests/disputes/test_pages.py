"""Pages: list with filters, my disputes, detail with workflow, creation, customer panel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from encours.disputes.models import Dispute, Notification
from tests.disputes.conftest import open_dispute
from tests.factories import CustomerFactory, ItemFactory


def test_list_filters_by_reason_department_and_amount(client, collector, customer, invoices, reasons):
    open_dispute(collector, customer, reasons["price"], [(invoices[0], None)])
    open_dispute(collector, customer, reasons["delivery"], [(invoices[1], "100.00")])
    client.force_login(collector)
    html = client.get(reverse("disputes:list"), {"reason": "delivery"}).content.decode()
    assert "FA-1001" not in html and ("Livraison" in html or "Delivery" in html)
    page = client.get(reverse("disputes:list"), {"min_amount": "500"}).context["page"]
    assert [d.amount_disputed for d in page] == [Decimal("1200.000")]
    page = client.get(reverse("disputes:list"), {"department": "logistics", "region": "Bretagne"}).context["page"]
    assert [d.reason.code for d in page] == ["delivery"]


def test_list_runs_a_bounded_number_of_queries(client, collector, entity, reasons, django_assert_max_num_queries):
    for _ in range(15):
        customer = CustomerFactory(entity=entity)
        open_dispute(collector, customer, reasons["price"], [(ItemFactory(customer=customer), None)])
    client.force_login(collector)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("disputes:list")).status_code == 200


def test_my_disputes_of_a_logistics_user(client, collector, customer, other_customer, reasons, logistics_user):
    open_dispute(collector, customer, reasons["delivery"], [(ItemFactory(customer=customer), None)])
    open_dispute(collector, other_customer, reasons["price"], [(ItemFactory(customer=other_customer), None)])
    client.force_login(logistics_user)
    page = client.get(reverse("disputes:mine")).context["page"]
    assert [d.department for d in page] == ["logistics"]


def test_detail_shows_timeline_and_moves_through_the_workflow_with_htmx(client, collector, customer, invoices, reasons):
    dispute = open_dispute(collector, customer, reasons["quality"], [(invoices[0], None)])
    client.force_login(collector)
    url = reverse("disputes:transition", args=[dispute.pk])
    response = client.post(url, {"status": "in_progress", "note": "vu client"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "vu client" in response.content.decode()
    response = client.post(url, {"status": "open"}, HTTP_HX_REQUEST="true")
    assert "allowed" in response.content.decode()  # invalid transition: the error is shown
    client.post(url, {"status": "resolved_credit_note", "amount_credited": "300,00"}, HTTP_HX_REQUEST="true")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.amount_credited) == ("resolved_credit_note", Decimal("300.00"))
    html = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert "FA-1001" in html and 'data-status="resolved_credit_note"' in html


def test_comment_and_attachment_from_the_page(client, collector, customer, invoices, reasons, logistics_user):
    dispute = open_dispute(collector, customer, reasons["delivery"], [(invoices[0], None)])
    client.force_login(collector)
    client.post(reverse("disputes:comment", args=[dispute.pk]), {"body": "@karim BL signé ?"})
    upload = SimpleUploadedFile("bl.pdf", b"%PDF-1.4 test")
    client.post(reverse("disputes:attach", args=[dispute.pk]), {"file": upload})
    refused = client.post(
        reverse("disputes:attach", args=[dispute.pk]),
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
        HTTP_HX_REQUEST="true",
    )
    assert "not accepted" in refused.content.decode()
    assert dispute.attachments.count() == 1
    client.force_login(logistics_user)
    html = client.get(reverse("disputes:notifications")).content.decode()
    assert "BL signé" in html
    client.get(reverse("disputes:detail", args=[dispute.pk]))
    assert not Notification.objects.filter(user=logistics_user, read_at__isnull=True).exists()
    assert (
        client.get(reverse("disputes:attachment", args=[dispute.pk, dispute.attachments.get().pk])).status_code == 200
    )


def test_create_from_url_with_preselected_invoices_and_a_part_amount(client, collector, customer, invoices, reasons):
    client.force_login(collector)
    page = client.get(reverse("disputes:create"), {"customer": customer.pk, "items": str(invoices[1].pk)})
    assert page.context["preselected"] == {invoices[1].pk}
    response = client.post(
        reverse("disputes:create"),
        {
            "customer": customer.pk,
            "reason": reasons["price"].pk,
            "item": [invoices[0].pk, invoices[1].pk],
            f"amount_{invoices[1].pk}": "250,50",
            "description": "prix catalogue",
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response.url == reverse("disputes:detail", args=[dispute.pk])
    assert dispute.amount_disputed == Decimal("1450.50")


def test_create_refuses_a_customer_out_of_scope(client, sales_rep, other_customer, reasons):
    client.force_login(sales_rep)
    assert client.get(reverse("disputes:create"), {"customer": other_customer.pk}).status_code == 404


def test_customer_page_panel_lists_open_disputes_and_offers_the_form(client, collector, customer, invoices, reasons):
    open_dispute(collector, customer, reasons["price"], [(invoices[0], None)], opened_on=date(2026, 9, 1))
    client.force_login(collector)
    html = client.get(reverse("ledger:customer", args=[customer.pk])).content.decode()
    assert 'id="customer-disputes"' in html and 'id="new-dispute"' in html and "FA-1002" in html


def test_reporting_page_shows_reasons_and_the_weekly_flow(client, collector, customer, invoices, reasons):
    open_dispute(collector, customer, reasons["price"], [(invoices[0], None)], opened_on=date(2026, 10, 20))
    client.force_login(collector)
    response = client.get(reverse("disputes:report"), {"as_of": "2026-10-31"})
    assert response.status_code == 200
    assert [line.open_count for line in response.context["by_reason"] if line.reason == "price"] == [1]
    assert sum(row[1] for row in response.context["flow"]) == 1
    assert 'id="dispute-charts"' in response.content.decode()
