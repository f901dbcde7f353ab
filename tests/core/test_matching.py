"""The matching engine: selectors, amounts, confidences, classifications, invariants."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from encours.core.errors import ValidationFailed
from encours.core.formats.bank import BankLine
from encours.core.formats.camt import parse_camt
from encours.core.matching.engine import (
    Customer,
    MatchingConfig,
    MatchingIndex,
    OpenBalances,
    OpenItem,
    learned_from,
    match_line,
    match_lines,
)
from encours.core.matching.evidence import gather_evidence
from encours.core.matching.refs import general_number_keys, number_keys, rf_for

SAMPLE = Path("/work/shared/data/sample-portfolio")
IBAN_FONTAINE_SA = "FR7659874717429247411667737"
IBAN_ROUX = "FR7653861408316008699346736"
IBAN_GROUPE = "FR7611024427740270247415259"

CUSTOMERS = (
    Customer(id="C1", account_number="411C01001", name="Quincaillerie Fontaine SA", ibans=(IBAN_FONTAINE_SA,)),
    Customer(id="C2", account_number="411C01077", name="Quincaillerie Fontaine SARL"),
    Customer(id="C3", account_number="411C01115", name="Transports de l'Ouest SAS"),
    Customer(id="C4", account_number="411C01039", name="Transports de l'Ouest SASU"),
    Customer(id="C5", account_number="411C01002", name="Fromagerie Roux SAS", ibans=(IBAN_ROUX,)),
    Customer(id="P", account_number="411G00001", name="Groupe Picard SA", ibans=(IBAN_GROUPE,), group_id="G1"),
    Customer(id="S", account_number="411C01300", name="Imprimerie Picard SAS", group_id="G1", parent_id="P"),
)


def item(item_id: str, customer: str, number: str, amount: str, due: date, kind: str = "invoice") -> OpenItem:
    return OpenItem(
        id=item_id,
        customer_id=customer,
        number=number,
        open_amount=Decimal(amount),
        currency="EUR",
        due_date=due,
        document_date=date(2026, 9, 1),
        kind=kind,  # type: ignore[arg-type]
        rf_reference=rf_for(number),
    )


ITEMS = (
    item("I1", "C1", "FA2026-01195", "1434.10", date(2026, 11, 20)),
    item("I2", "C1", "FA2026-01203", "431.22", date(2026, 11, 25)),
    item("I3", "C2", "FA2026-01252", "1018.93", date(2026, 10, 20)),
    item("I4", "C3", "FA2026-01277", "2873.81", date(2026, 10, 28)),
    item("I5", "C4", "FA2026-01234", "2048.03", date(2026, 10, 18)),
    item("I6", "S", "FA2026-01300", "1245.25", date(2026, 10, 30)),
    item("I7", "P", "FA2026-01301", "999.00", date(2026, 10, 30)),
    item("R1", "C5", "FA2026-00834", "1406.96", date(2026, 3, 25)),
    item("R2", "C5", "FA2026-01188", "3513.38", date(2026, 10, 8)),
    item("R3", "C5", "FA2026-01400", "250.00", date(2026, 10, 31)),
    item("R4", "C5", "AV2026-00017", "120.00", date(2026, 10, 9), kind="credit_note"),
    item("R5", "C5", "FA2026-00012", "50.00", date(2026, 2, 1)),
)


@pytest.fixture
def index() -> MatchingIndex:
    return MatchingIndex(customers=CUSTOMERS, items=ITEMS)


def bank_line(
    amount: str,
    text: str = "",
    *,
    name: str = "",
    iban: str = "",
    booked: date = date(2026, 11, 10),
    **extra: str,
) -> BankLine:
    return BankLine(
        index=0,
        amount=Decimal(amount),
        currency="EUR",
        entry_ref="E1",
        booking_date=booked,
        value_date=booked,
        counterparty_name=name,
        counterparty_iban=iban,
        remittance_text=text,
        **extra,  # type: ignore[arg-type]
    )


def allocated(result_proposal: object) -> list[tuple[str, Decimal, Decimal]]:
    return [(a.item_id, a.amount, a.write_off) for a in result_proposal.allocations]  # type: ignore[attr-defined]


# --- references ------------------------------------------------------------------------


def test_exact_reference_and_amount_are_applied_with_a_reason_citing_both(index: MatchingIndex) -> None:
    result = match_line(bank_line("1434.10", "FACTURE FA2026-01195", iban=IBAN_FONTAINE_SA), index=index)
    assert result.auto_apply
    assert (result.best.rule, result.best.confidence) == ("reference", 0.995)
    assert allocated(result.best) == [("I1", Decimal("1434.10"), Decimal("0"))]
    assert result.best.reason.startswith("reference FA2026-01195 in remittance; amount equals open amount")


@pytest.mark.parametrize(
    ("written", "confidence"),
    [
        ("fa202601195", 0.99),  # whole number: 0.97 + 0.02 for the exact amount
        ("FA 2026 01195", 0.99),
        ("FA-2026-01195", 0.99),
        ("2026-01195", 0.97),  # digits of 9 characters: 0.95 + 0.02
        ("F2026/1195", 0.92),  # digit groups, padding dropped: 0.90 + 0.02
        ("FA2026-1195", 0.92),
        ("Fact. 2026-01195", 0.97),
    ],
)
def test_invoice_numbers_in_common_spellings_are_recognised(
    index: MatchingIndex, written: str, confidence: float
) -> None:
    result = match_line(bank_line("1434.10", f"REGLT {written} MERCI", name="M DUPUIS"), index=index)
    assert result.best.item_ids == {"I1"}
    assert result.best.confidence == confidence
    assert result.auto_apply


def test_a_truncated_reference_is_not_read_as_a_padded_short_number(index: MatchingIndex) -> None:
    result = match_line(bank_line("50.00", "REGLEMENT FA2026-012"), index=index)
    assert all("R5" not in p.item_ids or p.rule == "amount_only" for p in result.proposals)
    assert not result.auto_apply


def test_a_truncated_reference_tells_apart_two_items_of_the_same_amount() -> None:
    items = [
        item("T1", "C1", "FA2026-01203", "431.22", date(2026, 10, 1)),
        item("T2", "C1", "FA2026-01510", "431.22", date(2026, 10, 15)),
    ]
    index = MatchingIndex(customers=CUSTOMERS, items=items)
    result = match_line(bank_line("431.22", "FACTURE FA2026-0120", iban=IBAN_FONTAINE_SA), index=index)
    assert (result.best.item_ids, result.best.rule) == ({"T1"}, "weak_reference")
    assert result.auto_apply  # 0.80 for a prefix that fits the amount + 0.10 for the known IBAN


def test_letters_written_must_agree_with_the_item_prefix(index: MatchingIndex) -> None:
    result = match_line(bank_line("120.00", "AVOIR FA2026-00017"), index=index)
    assert all("R4" not in p.item_ids for p in result.proposals if p.rule.startswith("reference"))


def test_a_valid_rf_creditor_reference_finds_its_item(index: MatchingIndex) -> None:
    line = bank_line("1018.93", creditor_reference=rf_for("FA2026-01252"), creditor_reference_type="RF")
    result = match_line(line, index=index)
    assert result.best.item_ids == {"I3"}
    assert result.auto_apply


def test_an_rf_reference_with_a_wrong_check_is_reported(index: MatchingIndex) -> None:
    line = bank_line("1018.93", "RF19 FA20 2601 252")
    evidence = gather_evidence(line, index=index, balances=OpenBalances(index), config=MatchingConfig())
    assert evidence.invalid_rf == ("RF19FA202601252",)


def test_a_customer_account_number_in_the_remittance_identifies_the_payer(index: MatchingIndex) -> None:
    result = match_line(bank_line("2873.81", "VIREMENT CLIENT 411C01115"), index=index)
    assert result.best.item_ids == {"I4"}
    assert "customer account 411C01115 in remittance" in result.best.reason
    assert (result.best.confidence, result.auto_apply) == (0.912, True)  # 0.95 x 0.96


def test_several_references_settle_a_grouped_payment(index: MatchingIndex) -> None:
    result = match_line(bank_line("1865.32", "FACTURES FA2026-01195 FA2026-01203"), index=index)
    assert result.best.item_ids == {"I1", "I2"}
    assert result.best.reason.endswith("amount equals total of the 2 open items")
    assert result.auto_apply


def test_a_shortened_list_of_references_is_understood(index: MatchingIndex) -> None:
    result = match_line(bank_line("1865.32", "FACT FA2026-01195/01203"), index=index)
    assert result.best.item_ids == {"I1", "I2"}


@given(st.text(alphabet="FAVfa0123456789-/ .éÉ°#", max_size=16))
def test_the_quick_reading_of_usual_numbers_agrees_with_the_general_one(number: str) -> None:
    assert number_keys(number) == general_number_keys(number)


# --- amounts -------------------------------------------------------------------------


def test_a_bank_fee_within_tolerance_is_written_off_on_the_item(index: MatchingIndex) -> None:
    # tolerance = min(15.00, 2 % x 1434.10 = 28.68) = 15.00 >= 2.50
    result = match_line(bank_line("1431.60", "FA 2026 01195 frais deduits"), index=index)
    assert result.best.rule == "reference_fee"
    assert result.best.write_off_reason == "bank_fee"
    assert allocated(result.best) == [("I1", Decimal("1431.60"), Decimal("2.50"))]


def test_a_shortfall_beyond_the_fee_tolerance_is_a_partial_payment(index: MatchingIndex) -> None:
    result = match_line(bank_line("1400.00", "FA2026-01195"), index=index)  # 34.10 > 15.00
    assert result.best.rule == "reference_partial"
    assert allocated(result.best) == [("I1", Decimal("1400.00"), Decimal("0"))]


def test_an_early_payment_discount_is_recognised_before_the_due_date(index: MatchingIndex) -> None:
    # 2 % of 1434.10 = 28.68, paid 1405.42 ten days before the due date
    result = match_line(bank_line("1405.42", "FA2026-01195 ESCOMPTE 2%", booked=date(2026, 11, 10)), index=index)
    assert (result.best.rule, result.best.write_off_reason) == (
        "reference_discount",
        "early_payment_discount",
    )
    assert allocated(result.best) == [("I1", Decimal("1405.42"), Decimal("28.68"))]


def test_no_discount_is_granted_after_the_due_date_and_its_grace(index: MatchingIndex) -> None:
    result = match_line(bank_line("1405.42", "FA2026-01195", booked=date(2026, 12, 1)), index=index)
    assert result.best.rule == "reference_partial"


def test_a_partial_payment_confirmed_by_the_payer_is_applied(index: MatchingIndex) -> None:
    # 0.97 (reference) - 0.12 (partial) + 0.07 (known IBAN) = 0.92
    result = match_line(bank_line("700.00", "ACOMPTE FA2026-01195", iban=IBAN_FONTAINE_SA), index=index)
    assert (result.best.rule, result.best.confidence, result.auto_apply) == ("reference_partial", 0.92, True)
    assert "734.10 stays open" in result.best.reason


def test_a_partial_payment_from_an_unknown_payer_waits_for_review(index: MatchingIndex) -> None:
    result = match_line(bank_line("700.00", "ACOMPTE FA2026-01195"), index=index)
    assert (result.best.confidence, result.auto_apply) == (0.85, False)


def test_an_overpayment_keeps_the_remainder_on_account_and_waits_for_review(index: MatchingIndex) -> None:
    result = match_line(bank_line("1500.00", "FA2026-01195", iban=IBAN_FONTAINE_SA), index=index)
    overpayment = next(p for p in result.proposals if p.rule == "reference_overpayment")
    assert (overpayment.unapplied, overpayment.confidence) == (Decimal("65.90"), 0.88)
    assert not result.auto_apply


def test_a_reference_cut_from_the_list_is_completed_by_the_remaining_item(index: MatchingIndex) -> None:
    result = match_line(bank_line("1865.32", "FACTURES FA2026-01195 ET AUTRE", iban=IBAN_FONTAINE_SA), index=index)
    assert result.best.rule == "reference_completed"
    assert result.best.item_ids == {"I1", "I2"}


# --- payer and amount ----------------------------------------------------------------


def test_a_known_iban_and_a_unique_amount_are_applied(index: MatchingIndex) -> None:
    result = match_line(bank_line("1434.10", "VIREMENT", iban=IBAN_FONTAINE_SA), index=index)
    assert (result.best.rule, result.best.confidence) == ("payer_amount", 0.931)  # 0.97 x 0.96
    assert result.auto_apply


def test_the_legal_form_tells_two_customers_of_the_same_name_apart(index: MatchingIndex) -> None:
    sarl = match_line(bank_line("1018.93", "PAIEMENT", name="QUINCAILLERIE FONTAINE SARL"), index=index)
    sasu = match_line(bank_line("2048.03", "", name="TRANSPORTS DE L'OUEST SASU"), index=index)
    assert (sarl.best.customer_id, sasu.best.customer_id) == ("C2", "C4")
    assert sarl.auto_apply and sasu.auto_apply  # exact name 0.95 x unique amount 0.96 = 0.912


def test_a_name_of_another_legal_form_is_not_enough_to_apply(index: MatchingIndex) -> None:
    result = match_line(bank_line("1434.10", "PAIEMENT", name="QUINCAILLERIE FONTAINE SARL"), index=index)
    assert result.best.item_ids == {"I1"}
    assert not result.auto_apply  # 'SARL' vs 'SA': 94, so 0.82 x 0.96


def test_a_combination_of_open_items_is_found_without_references(index: MatchingIndex) -> None:
    result = match_line(bank_line("1656.96", "REGLEMENT RELEVE", iban=IBAN_ROUX), index=index)
    assert result.best.rule == "payer_combination"
    assert result.best.item_ids == {"R1", "R3"}  # 1406.96 + 250.00
    assert result.auto_apply


def test_an_invoice_less_a_credit_note_is_a_combination(index: MatchingIndex) -> None:
    result = match_line(bank_line("3393.38", "REGLEMENT", iban=IBAN_ROUX), index=index)
    assert allocated(result.best) == [
        ("R2", Decimal("3513.38"), Decimal("0")),
        ("R4", Decimal("-120.00"), Decimal("0")),
    ]


def test_the_oldest_open_items_paid_together_are_recognised(index: MatchingIndex) -> None:
    result = match_line(bank_line("1456.96", "ECHEANCES", iban=IBAN_ROUX), index=index)  # 50.00 + 1406.96
    assert result.best.item_ids == {"R5", "R1"}
    assert "its oldest open items" in result.best.reason


def test_two_combinations_that_fit_leave_the_choice_to_a_person() -> None:
    items = [
        item(f"X{k}", "C5", f"FA2026-0900{k}", amount, date(2026, 10, k + 1))
        for k, amount in enumerate(("100.00", "200.00", "150.00", "150.00"))
    ]
    index = MatchingIndex(customers=CUSTOMERS, items=items)
    result = match_line(bank_line("300.00", "REGLEMENT", iban=IBAN_ROUX), index=index)
    assert not result.auto_apply
    assert "another combination fits too" in result.best.reason


def test_a_parent_paying_a_subsidiary_invoice_by_reference_is_applied_to_the_subsidiary(
    index: MatchingIndex,
) -> None:
    result = match_line(bank_line("1245.25", "FA2026-01300", iban=IBAN_GROUPE, name="GROUPE PICARD SA"), index=index)
    assert (result.best.customer_id, result.auto_apply) == ("S", True)


def test_a_parent_paying_a_subsidiary_invoice_without_reference_is_found_in_its_group(
    index: MatchingIndex,
) -> None:
    result = match_line(bank_line("1245.25", "REGLEMENT FILIALE", iban=IBAN_GROUPE), index=index)
    assert result.best.item_ids == {"I6"}
    assert "paying for a customer of its group" in result.best.reason


def test_a_known_payer_without_fitting_item_gets_a_payment_on_account_proposal(index: MatchingIndex) -> None:
    result = match_line(bank_line("5000.00", "ACOMPTE COMMANDE 4471", iban=IBAN_ROUX), index=index)
    assert (result.best.rule, result.best.unapplied, result.best.allocations) == (
        "payer_on_account",
        Decimal("5000.00"),
        (),
    )
    assert not result.auto_apply


def test_an_amount_alone_is_only_a_suggestion(index: MatchingIndex) -> None:
    result = match_line(bank_line("2873.81", "VIREMENT", name="M DURAND"), index=index)
    assert (result.best.rule, result.best.confidence, result.auto_apply) == ("amount_only", 0.5, False)


def test_an_unknown_payer_without_clue_gets_no_proposal(index: MatchingIndex) -> None:
    result = match_line(bank_line("77.77", "DON", name="M DURAND"), index=index)
    assert (result.classification, result.proposals) == ("customer_receipt", ())


# --- classification ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("URSSAF", "REMBOURSEMENT TROP PERCU"),
        ("EDF", "AVOIR FOURNISSEUR"),
        ("M DURAND", "INTERETS CREDITEURS"),
    ],
)
def test_receipts_that_are_not_from_customers_are_classified_so(index: MatchingIndex, name: str, text: str) -> None:
    result = match_line(bank_line("157.28", text, name=name), index=index)
    assert (result.classification, result.proposals, result.auto_apply) == ("not_customer_receipt", (), False)


def test_a_bank_transaction_code_can_say_not_a_customer_receipt(index: MatchingIndex) -> None:
    line = replace(bank_line("12.00", "DIVERS"), bank_transaction_code="LDAS/CSLN/DDWN")
    assert match_line(line, index=index).classification == "not_customer_receipt"


def test_strong_customer_evidence_overrides_a_non_customer_signal(index: MatchingIndex) -> None:
    result = match_line(bank_line("1434.10", "FA2026-01195", name="BANQUE POPULAIRE"), index=index)
    assert result.classification == "customer_receipt"


def test_debits_and_reversals_get_no_proposal(index: MatchingIndex) -> None:
    outgoing = match_line(bank_line("-1434.10", "FA2026-01195"), index=index)
    reversal = match_line(replace(bank_line("1434.10", "FA2026-01195"), is_reversal=True), index=index)
    assert (outgoing.classification, reversal.classification) == ("outgoing", "reversal")
    assert outgoing.proposals == reversal.proposals == ()


# --- batches and learning ------------------------------------------------------------


def test_an_item_applied_earlier_in_the_batch_is_not_offered_again(index: MatchingIndex) -> None:
    first = bank_line("1434.10", "FA2026-01195", iban=IBAN_FONTAINE_SA)
    second = replace(first, index=1, key="E2")
    results = match_lines([first, second], index=index)
    assert results[0].auto_apply
    assert not results[1].auto_apply
    assert all("I1" not in p.item_ids for p in results[1].proposals)


def test_learned_from_returns_the_new_iban_and_alias_and_remembers_them(index: MatchingIndex) -> None:
    line = bank_line("1018.93", "VIREMENT", name="ETS FONTAINE QUINC.", iban="FR7630006000011234567890189")
    facts = learned_from(line, customer_id="C2", index=index)
    assert (facts.iban, facts.alias) == ("FR7630006000011234567890189", "ETS FONTAINE QUINC.")
    again = match_line(bank_line("1018.93", "VIREMENT", iban="FR7630006000011234567890189"), index=index)
    assert again.best.customer_id == "C2" and again.auto_apply


def test_learned_from_returns_nothing_new_for_a_known_iban_and_name(index: MatchingIndex) -> None:
    line = bank_line("1434.10", name="QUINCAILLERIE FONTAINE SA", iban=IBAN_FONTAINE_SA)
    facts = learned_from(line, customer_id="C1", index=index)
    assert (facts.iban, facts.alias) == ("", "")


# --- configuration -------------------------------------------------------------------


def test_fee_tolerance_is_the_lower_of_the_absolute_and_percentage_limits() -> None:
    config = MatchingConfig(fee_tolerance_absolute=Decimal("10.00"), fee_tolerance_percent=Decimal("1"))
    assert config.fee_tolerance(Decimal("2500.00")) == Decimal("10.00")
    assert config.fee_tolerance(Decimal("480.00")) == Decimal("4.80")


def test_a_higher_auto_apply_threshold_sends_more_to_review(index: MatchingIndex) -> None:
    strict = MatchingConfig(auto_apply_threshold=0.95)
    result = match_line(bank_line("1434.10", "VIREMENT", iban=IBAN_FONTAINE_SA), index=index, config=strict)
    assert not result.auto_apply  # 0.931 < 0.95


@pytest.mark.parametrize(
    "settings_",
    [
        {"auto_apply_threshold": 0.0},
        {"auto_apply_threshold": 1.5},
        {"fee_tolerance_absolute": Decimal("-1")},
        {"early_payment_discount_percents": (Decimal("0"),)},
        {"subset_max_size": 0},
    ],
)
def test_config_refuses_meaningless_settings(settings_: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        MatchingConfig(**settings_)  # type: ignore[arg-type]


def test_open_item_refuses_a_non_positive_open_amount() -> None:
    with pytest.raises(ValidationFailed):
        item("Z", "C1", "FA1", "0.00", date(2026, 1, 1))


# --- invariants ----------------------------------------------------------------------


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(amounts, st.sampled_from(["invoice", "invoice", "credit_note"])), min_size=1, max_size=12),
    amounts,
    st.lists(st.integers(0, 11), max_size=3),
    st.booleans(),
)
def test_proposals_never_allocate_more_than_the_line_nor_an_item(
    lines_items: list[tuple[Decimal, str]], paid: Decimal, referenced: list[int], known_iban: bool
) -> None:
    items = [
        item(
            f"H{k}",
            "C5",
            f"{'FA' if kind == 'invoice' else 'AV'}2026-{k + 1:05d}",
            str(amount),
            date(2026, 10, k + 1),
            kind,
        )
        for k, (amount, kind) in enumerate(lines_items)
    ]
    index = MatchingIndex(customers=CUSTOMERS, items=items)
    text = " ".join(items[k % len(items)].number for k in referenced)
    result = match_line(bank_line(str(paid), text, iban=IBAN_ROUX if known_iban else ""), index=index)
    open_amounts = {i.id: i.open_amount for i in items}
    for proposal in result.proposals:
        assert 0.0 <= proposal.confidence <= 1.0
        assert sum((a.amount for a in proposal.allocations), Decimal(0)) + proposal.unapplied == paid
        assert proposal.unapplied >= 0
        for allocation in proposal.allocations:
            assert allocation.write_off >= 0
            assert abs(allocation.amount) + allocation.write_off <= open_amounts[allocation.item_id]
            kind = next(i.kind for i in items if i.id == allocation.item_id)
            assert (allocation.amount >= 0) == (kind == "invoice")


@settings(max_examples=60, deadline=None)
@given(st.lists(amounts, min_size=2, max_size=8), st.data())
def test_a_batch_never_settles_an_item_beyond_its_open_amount(item_amounts: list[Decimal], data: st.DataObject) -> None:
    items = [
        item(f"B{k}", "C5", f"FA2026-{k + 1:05d}", str(a), date(2026, 10, k + 1)) for k, a in enumerate(item_amounts)
    ]
    index = MatchingIndex(customers=CUSTOMERS, items=items)
    picks = data.draw(st.lists(st.integers(0, len(items) - 1), min_size=1, max_size=6))
    batch = [
        replace(bank_line(str(items[k].open_amount), items[k].number, iban=IBAN_ROUX), index=n, key=f"L{n}")
        for n, k in enumerate(picks)
    ]
    settled: dict[str, Decimal] = {}
    for result in match_lines(batch, index=index):
        if result.auto_apply and result.best is not None:
            for allocation in result.best.allocations:
                settled[allocation.item_id] = (
                    settled.get(allocation.item_id, Decimal(0)) + allocation.amount + allocation.write_off
                )
    assert all(settled[i.id] <= i.open_amount for i in items if i.id in settled)


# --- the November sample -------------------------------------------------------------


def sample_index(*, with_ibans: bool = True) -> MatchingIndex:
    with (SAMPLE / "customers.csv").open(encoding="utf-8") as handle:
        customers = [
            Customer(
                id=r["account"],
                account_number=r["account"],
                name=r["name"],
                ibans=(r["iban"],) if with_ibans else (),
            )
            for r in csv.DictReader(handle)
        ]
    with (SAMPLE / "expected_open_items.csv").open(encoding="utf-8") as handle:
        items = [
            OpenItem(
                id=r["invoice"],
                customer_id=r["customer"],
                number=r["invoice"],
                open_amount=Decimal(r["open_amount"]),
                currency="EUR",
                due_date=date.fromisoformat(r["due_date"]),
                document_date=date.fromisoformat(r["document_date"]),
            )
            for r in csv.DictReader(handle)
        ]
    return MatchingIndex(customers=customers, items=items)


def sample_results(index: MatchingIndex) -> list[tuple[dict[str, str], object]]:
    (statement,) = parse_camt((SAMPLE / "camt053_nov.xml").read_bytes())
    with (SAMPLE / "expected_bank.csv").open(encoding="utf-8") as handle:
        expected = {r["entry_ref"]: r for r in csv.DictReader(handle)}
    results = match_lines(statement.lines, index=index)
    return [(expected[line.entry_ref], result) for line, result in zip(statement.lines, results, strict=True)]


def test_the_november_sample_is_matched_as_expected_with_no_wrong_auto_match() -> None:
    outcomes = sample_results(sample_index())
    right = wrong_auto = auto = 0
    for truth, result in outcomes:
        if truth["customer"]:
            ok = (
                result.best is not None
                and result.best.customer_id == truth["customer"]
                and result.best.item_ids == {truth["invoices"]}
            )  # type: ignore[attr-defined]
        else:
            ok = result.classification == "not_customer_receipt"  # type: ignore[attr-defined]
        right += ok
        auto += result.auto_apply  # type: ignore[attr-defined]
        wrong_auto += result.auto_apply and not ok  # type: ignore[attr-defined]
    assert (right, auto, wrong_auto) == (45, 30, 0)  # 30 receipts all applied, 15 others set aside


def test_the_november_sample_without_known_ibans_still_has_no_wrong_auto_match() -> None:
    outcomes = sample_results(sample_index(with_ibans=False))
    wrong = [
        t["entry_ref"]
        for t, r in outcomes
        if r.auto_apply and (r.best.customer_id, r.best.item_ids) != (t["customer"], {t["invoices"]})
    ]  # type: ignore[attr-defined]
    assert wrong == []
    assert sum(r.auto_apply for _, r in outcomes) == 30  # type: ignore[attr-defined]
