"""The demo portfolio shows disputes of every reason and status, and one signed past committee."""

from __future__ import annotations

from datetime import date

from encours.disputes.models import Committee, Dispute, Event, ReasonCode, Status
from encours.ledger.services.demo import demo_load
from encours.synthetic.demo import generate_portfolio


def test_demo_has_every_reason_and_status_with_histories_and_a_signed_committee(db):
    demo_load(portfolio=generate_portfolio(customers=150, invoices=3000, seed=1, as_of=date(2026, 10, 31)))
    disputes = Dispute.objects.all()
    assert set(disputes.values_list("reason__code", flat=True)) == set(
        ReasonCode.objects.values_list("code", flat=True)
    )
    assert set(disputes.values_list("status", flat=True)) == set(Status.values)
    resolved = disputes.filter(status=Status.RESOLVED_PAYS).first()
    assert (
        list(resolved.events.filter(kind=Event.Kind.STATUS).values_list("to_status", flat=True))[-1] == "resolved_pays"
    )
    assert disputes.filter(status=Status.RESOLVED_CREDIT_NOTE, credit_note__isnull=False).exists()
    committee = Committee.objects.get()
    assert committee.state == "signed" and committee.signed_by.username == "director-idf"
    assert committee.cases.exclude(decision="").exists()


def test_bench_figures_run_on_a_small_demo(db, tmp_path):
    from encours.disputes.bench import disputes_figures
    from encours.web.bench import BenchContext

    as_of = date(2026, 10, 31)
    demo_load(portfolio=generate_portfolio(customers=40, invoices=600, seed=1, as_of=as_of))
    context = BenchContext(customers=40, invoices=600, seed=1, as_of=as_of, small=True, workdir=str(tmp_path))
    names = [figure.line().split(":")[0] for figure in disputes_figures(context)]
    assert names == [
        "disputes report by reason, whole portfolio",
        "disputed amounts as of a date (provider)",
        "dispute list page p95",
    ]
