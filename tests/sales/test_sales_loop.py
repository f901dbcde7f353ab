"""The sales loop: reps told of their customers' downgrades, holds and blocks (in-app and by
digest over real SMTP), release requests decided by the credit manager, field notes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from encours.audit.models import AuditEntry
from encours.collections.selectors import customer_timeline
from encours.core.errors import PermissionDenied, ValidationFailed
from encours.ledger.models import BlockReason
from encours.ledger.services.blocks import customer_block
from encours.risk.models import HeldOrder, RiskAlert
from encours.sales.models import FieldNote, ReleaseRequest, RepNotification
from encours.sales.notifications import rep_notifications_collect, send_rep_digest, unread_count
from encours.sales.services import field_note_create, release_request_create, release_request_decide

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 31)


def _downgrade(customer, on=DAY):
    key = f"grade_downgrade:{customer.pk}:B>D"
    return RiskAlert.objects.create(customer=customer, kind="grade_downgrade", severity="warning",
                                    message="grade B → D", key=key, raised_on=on)  # fmt: skip


def _held(customer, reference="CMD-7781", amount="18000.00"):
    return HeldOrder.objects.create(customer=customer, entity_id=customer.entity_id, reference=reference,
                                    amount=Decimal(amount), currency="EUR", reasons=[], exposure=Decimal(40000),
                                    limit=Decimal(30000))  # fmt: skip


def test_a_downgrade_is_told_to_the_customers_rep_only_and_once(rep_customer, other_customer, sales_rep, other_rep):
    _downgrade(rep_customer)
    _downgrade(other_customer, on=DAY - timedelta(days=1))  # yesterday's fact: not today's news
    assert rep_notifications_collect(as_of=DAY) == 1
    assert rep_notifications_collect(as_of=DAY) == 0
    (told,) = RepNotification.objects.all()
    assert (told.user, told.customer, told.kind, told.detail) == (sales_rep, rep_customer, "downgrade", "grade B → D")
    assert not RepNotification.objects.filter(user=other_rep).exists()


def test_a_held_order_and_a_block_are_told_the_same_day(rep_customer, sales_rep):
    today = timezone.localdate()
    _held(rep_customer)
    customer_block(customer=rep_customer, by=None, reason="comité: blocage", kind=BlockReason.MANUAL, on=today)
    assert unread_count(sales_rep) == 2  # the rep's badge counts them at once
    assert not RepNotification.objects.exists()  # a page that only reads writes nothing
    assert rep_notifications_collect(as_of=today, rep=sales_rep) == 2
    kinds = sorted(RepNotification.objects.filter(user=sales_rep).values_list("kind", flat=True))
    assert kinds == ["blocked", "held"]
    assert "CMD-7781 · 18000.00 EUR" in RepNotification.objects.get(kind="held").detail


def test_the_digest_emails_each_rep_his_news_once(smtp_sink, rep_customer, other_customer, sales_rep, other_rep):
    _downgrade(rep_customer)
    assert send_rep_digest(as_of=DAY) == 1
    ((_, recipients, message),) = smtp_sink.messages
    assert recipients == (sales_rep.email,)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Boulangerie Martin" in body and "grade B → D" in body and "Garage Dupont" not in body
    assert "Note dégradée" in body  # French by default
    assert send_rep_digest(as_of=DAY) == 0 and len(smtp_sink.messages) == 1


def test_the_badge_and_the_list_show_the_news(client, rep_customer, sales_rep):
    _held(rep_customer)
    client.force_login(sales_rep)
    home = client.get(reverse("home"), follow=True).content.decode()
    assert 'id="inbox-count">1<' in home
    page = client.get(reverse("sales:notifications")).content.decode()
    assert "Boulangerie Martin" in page and "Commande bloquée" in page
    client.post(reverse("sales:notifications"))
    assert unread_count(sales_rep) == 0


def test_release_requested_then_approved_releases_the_order(rep_customer, sales_rep, credit_manager):
    order = _held(rep_customer)
    request = release_request_create(order=order, user=sales_rep, justification="client historique, acompte reçu")
    with pytest.raises(ValidationFailed):  # one pending request per order
        release_request_create(order=order, user=sales_rep, justification="client historique, acompte reçu")
    release_request_decide(request=request, user=credit_manager, approve=True, comment="acompte vérifié")
    order.refresh_from_db()
    request.refresh_from_db()
    assert order.status == HeldOrder.Status.RELEASED and order.decided_by == credit_manager
    assert request.status == ReleaseRequest.Status.APPROVED and request.decided_by == credit_manager
    actions = list(
        AuditEntry.objects.filter(customer_id=rep_customer.pk).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["sales.release.request", "risk.order.release", "sales.release.approve"]
    assert RepNotification.objects.get(user=sales_rep, kind="release_approved").customer == rep_customer


def test_a_refused_release_keeps_the_order_held(rep_customer, sales_rep, credit_manager):
    order = _held(rep_customer)
    request = release_request_create(order=order, user=sales_rep, justification="commande stratégique du trimestre")
    with pytest.raises(ValidationFailed):
        release_request_decide(request=request, user=credit_manager, approve=False, comment=" ")
    release_request_decide(request=request, user=credit_manager, approve=False, comment="retards répétés")
    order.refresh_from_db()
    assert order.status == HeldOrder.Status.HELD
    assert ReleaseRequest.objects.get().status == ReleaseRequest.Status.REFUSED


def test_who_may_request_and_decide(rep_customer, sales_rep, other_rep, collector, credit_manager):
    order = _held(rep_customer)
    with pytest.raises(PermissionDenied):  # not his customer
        release_request_create(order=order, user=other_rep, justification="client historique, acompte reçu")
    with pytest.raises(ValidationFailed):
        release_request_create(order=order, user=sales_rep, justification="svp")
    request = release_request_create(order=order, user=sales_rep, justification="client historique, acompte reçu")
    for user in (sales_rep, collector):
        with pytest.raises(PermissionDenied):
            release_request_decide(request=request, user=user, approve=True, comment="ok")
    assert HeldOrder.objects.get(pk=order.pk).status == HeldOrder.Status.HELD


def test_the_rep_requests_from_the_customer_page_and_the_manager_approves_from_the_queue(
    client, rep_customer, sales_rep, credit_manager
):
    order = _held(rep_customer)
    client.force_login(sales_rep)
    page = client.get(reverse("ledger:customer", args=[rep_customer.pk])).content.decode()
    assert "CMD-7781" in page and 'name="justification"' in page
    client.post(reverse("sales:release_request", args=[order.pk]), {"justification": "le client a payé son retard"})
    client.force_login(credit_manager)
    queue = client.get(reverse("sales:release_requests")).content.decode()
    assert "le client a payé son retard" in queue
    request = ReleaseRequest.objects.get()
    client.post(reverse("sales:release_decide", args=[request.pk]), {"action": "approve", "comment": ""})
    assert HeldOrder.objects.get(pk=order.pk).status == HeldOrder.Status.RELEASED


def test_field_notes_feed_the_timeline_and_are_scoped(client, rep_customer, sales_rep, other_rep, auditor):
    note = field_note_create(customer=rep_customer, user=sales_rep, visited_on=DAY, contact="M. Martin (gérant)",
                             body="Nouveau four livré, trésorerie tendue jusqu'en janvier.")  # fmt: skip
    assert AuditEntry.objects.filter(action="sales.field_note.create", object_id=str(note.pk)).exists()
    timeline = customer_timeline(customer=rep_customer, as_of=DAY)
    assert [(e.kind, e.on) for e in timeline if e.kind == "field_note"] == [("field_note", DAY)]
    for user in (other_rep, auditor):
        with pytest.raises(PermissionDenied):
            field_note_create(customer=rep_customer, user=user, visited_on=DAY, body="x")
    with pytest.raises(ValidationFailed):
        field_note_create(customer=rep_customer, user=sales_rep, visited_on=timezone.localdate() + timedelta(days=2),
                          body="demain")  # fmt: skip
    client.force_login(sales_rep)
    client.post(reverse("sales:field_note", args=[rep_customer.pk]),
                {"visited_on": DAY.isoformat(), "contact": "", "body": "Visite de courtoisie."})  # fmt: skip
    assert FieldNote.objects.filter(customer=rep_customer).count() == 2
    page = client.get(reverse("ledger:customer", args=[rep_customer.pk])).content.decode()
    assert "trésorerie tendue" in page and "Visite de courtoisie." in page


def test_sales_digest_command(capsys, smtp_sink, rep_customer):
    from django.core.management import call_command

    _downgrade(rep_customer)
    call_command("sales_digest", "--as-of", DAY.isoformat())
    assert "sent to 1 rep(s)" in capsys.readouterr().out
