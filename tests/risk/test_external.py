"""Ratings and BODACC-like legal events: matched by SIREN; an insolvency blocks and alerts at once."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from encours.audit.models import AuditEntry
from encours.ledger.models import Customer
from encours.risk.imports import import_legal_events
from encours.risk.models import LegalEvent, Rating, RiskAlert
from tests.factories import CustomerFactory, EntityFactory

pytestmark = pytest.mark.django_db

BODACC = (
    "registre;dateparution;familleavis;numeroannonce;tribunal;jugement\n"
    "552 100 554;2026-10-20;collective;A-2026-1201;TC Lyon;"
    "Jugement d'ouverture d'une procédure de redressement judiciaire\n"
    "542051180;15/09/2026;modification;B-2026-77;;Modification du capital social\n"
)


@pytest.fixture
def customers(entity):
    other_entity = EntityFactory(name="Durand Sud SAS")
    return (
        CustomerFactory(entity=entity, siren="552100554", name="Sain SA"),
        CustomerFactory(entity=other_entity, siren="552100554", name="Sain SA (Sud)"),
    )


def test_new_insolvency_blocks_alerts_and_proposes_claim_deadline(tmp_path, customers):
    path = tmp_path / "bodacc.csv"
    path.write_text(BODACC, encoding="utf-8")
    call_command("import_legal_events", str(path))
    event = LegalEvent.objects.get(company__siren="552100554")
    assert event.kind == "receivership" and event.claim_deadline == date(2026, 12, 20)
    assert LegalEvent.objects.get(company__siren="542051180").kind == "other"  # a prospect's capital change
    for customer in Customer.objects.filter(siren="552100554"):
        assert customer.is_blocked and "receivership" in customer.blocked_reason
        alert = RiskAlert.objects.get(customer=customer)
        assert alert.severity == "critical" and "2026-12-20" in alert.message
    assert AuditEntry.objects.filter(action="customer.block").count() == 2
    # idempotent: the same file again changes nothing
    call_command("import_legal_events", str(path))
    assert LegalEvent.objects.count() == 2 and RiskAlert.objects.count() == 2
    assert AuditEntry.objects.filter(action="customer.block").count() == 2


def test_insolvency_alert_and_block_share_the_transaction(tmp_path, customers):
    """If blocking fails, neither the event nor the alert is kept."""
    boom = mock.patch("encours.risk.imports.customer_block", side_effect=RuntimeError("boom"))
    with boom, pytest.raises(RuntimeError):
        import_legal_events(raw=BODACC.encode(), file_name="bodacc.csv")
    assert not LegalEvent.objects.exists() and not RiskAlert.objects.exists()
    assert not Customer.objects.filter(is_blocked=True).exists()


def test_closed_proceeding_does_not_block(tmp_path, customers):
    text = (
        "siren,kind,published_on,reference\n"
        "552100554,safeguard,2024-01-10,X1\n"
        "552100554,proceeding_closed,2025-03-01,X2\n"
    )
    report = import_legal_events(raw=text.encode(), file_name="events.csv", as_of=date(2026, 10, 31))
    assert not Customer.objects.filter(is_blocked=True).exists()
    assert report.alerts == 4  # each new event alerts, on both customers
    # one open problem per customer and kind: the later event updates it
    assert RiskAlert.objects.count() == 2
    assert all("proceeding_closed" in a.message for a in RiskAlert.objects.all())


def test_bad_event_lines_are_named_and_nothing_written(tmp_path, capsys, customers):
    path = tmp_path / "events.csv"
    path.write_text("siren,kind,published_on\n552100554,receivership,2026-10-20\n552100554,meteor,31/02/2026\n")
    with pytest.raises(CommandError):
        call_command("import_legal_events", str(path))
    err = capsys.readouterr().err
    assert "line 3, column kind: 'meteor' unknown kind" in err and "line 3, column published_on" in err
    assert not LegalEvent.objects.exists() and not Customer.objects.filter(is_blocked=True).exists()


def test_ratings_import_with_mapping_and_idempotence(tmp_path):
    from encours.risk.models import RiskImportMapping

    RiskImportMapping.objects.create(
        name="bdf", kind="ratings", columns={"siren": "SIREN", "rating": "Cotation", "rated_on": "Date"},
        values={"agency": {}},
    )  # fmt: skip
    path = tmp_path / "ratings.csv"
    path.write_text("SIREN;agency;Cotation;Date\n552100554;banque_de_france;4+;2026-05-02\n")
    call_command("import_ratings", str(path), "--mapping", "bdf")
    call_command("import_ratings", str(path), "--mapping", "bdf")
    rating = Rating.objects.get()
    assert (rating.agency, rating.rating, rating.rated_on) == ("banque_de_france", "4+", date(2026, 5, 2))
    path.write_text("SIREN;agency;Cotation;Date\n552100554;banque_de_france;4+;not a date\n")
    with pytest.raises(CommandError):
        call_command("import_ratings", str(path), "--mapping", "bdf")
