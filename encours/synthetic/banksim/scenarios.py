"""The scenarios of the bank-line simulator: how customers (and others) actually pay.

Each scenario takes what it pays out of the ``Pool`` and returns the line with its truth,
or None when the pool has nothing suitable left (the generator then falls back).

>>> sorted(SCENARIOS)[:3]
['clean_reference', 'early_payment_discount', 'fee_deducted']
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from encours.core.matching.values import OpenItem
from encours.core.money import quantize
from encours.synthetic.banksim.pool import (
    _SINGLE_TEMPLATES,
    Pool,
    SimulatedLine,
    bank_name,
    receipt,
    spell_reference,
    total,
)
from encours.synthetic.banksim.portfolio import french_iban

Scenario = Callable[[Pool, int], SimulatedLine | None]

_FEES = (
    Decimal("0.35"),
    Decimal("1.50"),
    Decimal("2.50"),
    Decimal("2.50"),
    Decimal("5.00"),
    Decimal("7.50"),
    Decimal("12.00"),
)
_DISCOUNTS = (Decimal("2"), Decimal("2"), Decimal("1.5"), Decimal("1"), Decimal("3"))
_NON_CUSTOMERS = (
    ("URSSAF", "REMBOURSEMENT TROP PERCU"),
    ("DGFIP", "REMBOURSEMENT CREDIT TVA"),
    ("DIRECTION GENERALE DES FINANCES PUBLIQUES", "CREDIT IMPOT RECHERCHE"),
    ("EDF", "AVOIR FOURNISSEUR"),
    ("BANQUE POPULAIRE", "INTERETS CREDITEURS"),
    ("CREDIT AGRICOLE", "DEBLOCAGE PRET 2026-118"),
    ("AXA FRANCE IARD", "INDEMNITE SINISTRE 2026/4471"),
    ("CPAM DU RHONE", "INDEMNITES JOURNALIERES"),
    ("ORANGE", "REMBT AVOIR CLIENT"),
    ("BPIFRANCE", "SUBVENTION INNOVATION"),
)
_STRANGERS = (
    "M JEAN DURANDEAU",
    "MME SOPHIE VASSEUR",
    "SCI LES TILLEULS",
    "ASSOCIATION SPORTIVE DE VILLEURBANNE",
    "PAYPAL EUROPE",
    "M OU MME KARIM BENALI",
    "COMITE D ENTREPRISE AIRBUS",
    "LYCEE JULES FERRY",
)
_STRANGER_TEXTS = ("VIREMENT", "", "LOYER OCTOBRE", "DON", "VIR INST", "PARTICIPATION")


def _single(pool: Pool, index: int, scenario: str, *, noisy: bool) -> SimulatedLine | None:
    customer = pool.customer()
    if customer is None:
        return None
    (item,) = pool.take(customer.id, 1)
    name, iban = pool.payer(customer)
    reference = spell_reference(pool.rng, item.number, noisy=noisy)
    text = pool.text(pool.rng.choice(_SINGLE_TEMPLATES), customer, reference, name)
    line = receipt(pool, index, amount=item.open_amount, name=name, iban=iban, text=text)
    return SimulatedLine(line, scenario, customer.id, (item.id,))


def clean_reference(pool: Pool, index: int) -> SimulatedLine | None:
    return _single(pool, index, "clean_reference", noisy=False)


def noisy_reference(pool: Pool, index: int) -> SimulatedLine | None:
    return _single(pool, index, "noisy_reference", noisy=True)


def structured_reference(pool: Pool, index: int) -> SimulatedLine | None:
    """The reference in a structured field: RF creditor reference, end-to-end id, or SCOR."""
    customer = pool.customer()
    if customer is None:
        return None
    (item,) = pool.take(customer.id, 1)
    name, iban = pool.payer(customer)
    where = pool.rng.randrange(3)
    text = pool.rng.choice(("", "PAIEMENT FACTURE", f"{name}"))
    if where == 0 and item.rf_reference:
        structured = (item.rf_reference, "RF")
    elif where == 1:
        structured = ("", "")
    else:
        structured = (item.number, "SCOR")
    end_to_end = item.number if where == 1 else ""
    line = receipt(
        pool,
        index,
        amount=item.open_amount,
        name=name,
        iban=iban,
        text=text,
        structured=structured,
        end_to_end_id=end_to_end,
    )
    return SimulatedLine(line, "structured_reference", customer.id, (item.id,))


def grouped_with_references(pool: Pool, index: int) -> SimulatedLine | None:
    count = pool.rng.choice((2, 2, 2, 3, 3, 4, 5, 6))
    customer = pool.customer(invoices=count)
    if customer is None:
        return None
    items: list[OpenItem] = pool.take(customer.id, count)
    if pool.rng.random() < 0.2:
        note = pool.take_credit_note(customer.id)
        items += [note] if note else []
    name, iban = pool.payer(customer)
    noisy = pool.rng.random() < 0.3
    references = [spell_reference(pool.rng, i.number, noisy=noisy) for i in items]
    head = pool.rng.choice(("FACTURES", "REGLEMENT FACT", "PAIEMENT", "VIR"))
    separator = pool.rng.choice((" ", ", ", " / ", " + "))
    text = pool.text(f"{head} {{ref}}", customer, separator.join(references), name)
    line = receipt(pool, index, amount=total(items), name=name, iban=iban, text=text)
    return SimulatedLine(line, "grouped_with_references", customer.id, tuple(i.id for i in items))


def grouped_without_references(pool: Pool, index: int) -> SimulatedLine | None:
    """A customer settles its oldest invoices in one transfer, quoting none."""
    count = pool.rng.choice((2, 2, 3, 3, 4, 5))
    customer = pool.customer(invoices=count)
    if customer is None:
        return None
    items = pool.take(customer.id, count, oldest=True)
    name, iban = pool.payer(customer)
    text = pool.rng.choice(("REGLEMENT RELEVE", f"VIREMENT {name}", "PAIEMENT FACTURES", "ECHEANCES OCTOBRE"))
    line = receipt(pool, index, amount=total(items), name=name, iban=iban, text=text)
    return SimulatedLine(line, "grouped_without_references", customer.id, tuple(i.id for i in items))


def fee_deducted(pool: Pool, index: int) -> SimulatedLine | None:
    customer = pool.customer()
    if customer is None:
        return None
    (item,) = pool.take(customer.id, 1)
    fee = pool.rng.choice(_FEES)
    if fee >= item.open_amount:
        fee = Decimal("0.35")
    name, iban = pool.payer(customer)
    reference = spell_reference(pool.rng, item.number, noisy=pool.rng.random() < 0.5)
    text = pool.text(pool.rng.choice(("{ref} FRAIS DEDUITS", "FACTURE {ref}", "{ref}")), customer, reference, name)
    line = receipt(pool, index, amount=item.open_amount - fee, name=name, iban=iban, text=text)
    return SimulatedLine(line, "fee_deducted", customer.id, (item.id,))


def early_payment_discount(pool: Pool, index: int) -> SimulatedLine | None:
    """Paid before the due date, less the discount the terms offer."""
    for _ in range(20):
        customer = pool.customer()
        if customer is None:
            return None
        upcoming = [i for i in pool.invoices[customer.id] if pool.items[i].due_date > pool.as_of + timedelta(days=1)]
        if upcoming:
            break
    else:
        return None
    item = pool.items[pool.rng.choice(upcoming)]
    pool.invoices[customer.id].remove(item.id)
    rate = pool.rng.choice(_DISCOUNTS)
    paid = item.open_amount - quantize(item.open_amount * rate / Decimal(100))
    name, iban = pool.payer(customer)
    reference = spell_reference(pool.rng, item.number, noisy=pool.rng.random() < 0.3)
    text = pool.text(f"FACT {{ref}} ESCOMPTE {rate}%", customer, reference, name)
    line = receipt(pool, index, amount=paid, name=name, iban=iban, text=text, booked=pool.booked(before=item.due_date))
    return SimulatedLine(line, "early_payment_discount", customer.id, (item.id,))


def partial_payment(pool: Pool, index: int) -> SimulatedLine | None:
    customer = pool.customer()
    if customer is None:
        return None
    (item,) = pool.take(customer.id, 1)
    share = Decimal(str(round(pool.rng.uniform(0.2, 0.8), 2)))
    paid = quantize(item.open_amount * share)
    if pool.rng.random() < 0.5:
        paid = max(Decimal(10), (paid / 10).to_integral_value() * 10)
    if paid >= item.open_amount:
        paid = quantize(item.open_amount / 2)
    name, iban = pool.payer(customer)
    reference = spell_reference(pool.rng, item.number, noisy=pool.rng.random() < 0.3)
    template = pool.rng.choice(
        ("ACOMPTE SUR FACTURE {ref}", "PAIEMENT PARTIEL {ref}", "FACTURE {ref}", "{ref} 1ER VERSEMENT")
    )
    line = receipt(pool, index, amount=paid, name=name, iban=iban, text=pool.text(template, customer, reference, name))
    return SimulatedLine(line, "partial_payment", customer.id, (item.id,))


def truncated_reference(pool: Pool, index: int) -> SimulatedLine | None:
    """The reference cut short by a field length, at the end of the text."""
    customer = pool.customer()
    if customer is None:
        return None
    (item,) = pool.take(customer.id, 1)
    name, iban = pool.payer(customer)
    reference = spell_reference(pool.rng, item.number, noisy=False)
    cut = reference[: len(reference) - pool.rng.randint(2, 5)]
    text = pool.text(
        pool.rng.choice(("REGLEMENT FACTURE {ref}", "{name} FACT {ref}", "VIR {ref}")), customer, cut, name
    )
    line = receipt(pool, index, amount=item.open_amount, name=name, iban=iban, text=text)
    return SimulatedLine(line, "truncated_reference", customer.id, (item.id,))


def _wrong_number(pool: Pool, item: OpenItem, customer_id: str) -> str:
    """Another invoice of theirs, transposed digits, or a number made up. Never one of
    their invoices for the same amount: such a line would be a right payment of that one."""
    for _ in range(10):
        wrong = _misquote(pool, item, customer_id)
        quoted = pool.by_number.get(wrong)
        same = quoted is not None and quoted.customer_id == customer_id and quoted.open_amount == item.open_amount
        if wrong != item.number and not same:
            return wrong
    return f"{item.number}9"


def _misquote(pool: Pool, item: OpenItem, customer_id: str) -> str:
    choice = pool.rng.randrange(3)
    others = pool.invoices.get(customer_id, [])
    if choice == 0 and others:
        return pool.items[pool.rng.choice(others)].number
    digits = [k for k, c in enumerate(item.number) if c.isdigit()][-4:]
    k = pool.rng.choice(digits[:-1])
    if choice == 1:
        return item.number[:k] + item.number[k + 1] + item.number[k] + item.number[k + 2 :]
    return f"{item.number[:-3]}{pool.rng.randint(0, 999):03d}"


def wrong_reference(pool: Pool, index: int) -> SimulatedLine | None:
    customer = pool.customer()
    if customer is None:
        return None
    (item,) = pool.take(customer.id, 1)
    name, iban = pool.payer(customer)
    wrong = _wrong_number(pool, item, customer.id)
    text = pool.text(pool.rng.choice(_SINGLE_TEMPLATES), customer, wrong, name)
    line = receipt(pool, index, amount=item.open_amount, name=name, iban=iban, text=text)
    return SimulatedLine(line, "wrong_reference", customer.id, (item.id,))


def parent_pays_subsidiary(pool: Pool, index: int) -> SimulatedLine | None:
    subsidiary = pool.customer(among=pool.subsidiaries)
    if subsidiary is None:
        return None
    parent = pool.customers[subsidiary.parent_id]
    count = 2 if len(pool.invoices[subsidiary.id]) >= 2 and pool.rng.random() < 0.3 else 1
    items = pool.take(subsidiary.id, count)
    name, iban = pool.payer(parent, known_iban=0.85)
    if pool.rng.random() < 0.7:
        references = " ".join(spell_reference(pool.rng, i.number, noisy=pool.rng.random() < 0.3) for i in items)
        text = pool.text("{ref} POUR " + subsidiary.name.upper(), subsidiary, references, name)
    else:
        text = f"REGLEMENT FILIALE {bank_name(pool.rng, subsidiary.name)}"[:140]
    line = receipt(pool, index, amount=total(items), name=name, iban=iban, text=text)
    return SimulatedLine(line, "parent_pays_subsidiary", subsidiary.id, tuple(i.id for i in items))


def payer_name_only(pool: Pool, index: int) -> SimulatedLine | None:
    """No reference and a new bank account: only the name and the amount tell."""
    customer = pool.customer()
    if customer is None:
        return None
    count = 2 if len(pool.invoices[customer.id]) >= 2 and pool.rng.random() < 0.2 else 1
    items = pool.take(customer.id, count, oldest=count > 1)
    name = bank_name(pool.rng, customer.name)
    text = pool.rng.choice((f"VIREMENT {name}", f"{name} PAIEMENT", "REGLEMENT", "", "VIR SEPA"))
    line = receipt(pool, index, amount=total(items), name=name, iban=french_iban(pool.rng), text=text)
    return SimulatedLine(line, "payer_name_only", customer.id, tuple(i.id for i in items))


def payment_on_account(pool: Pool, index: int) -> SimulatedLine | None:
    """A deposit against an order: nothing to settle yet."""
    customer = pool.rng.choice(list(pool.customers.values()))
    name, iban = pool.payer(customer)
    amount = Decimal(pool.rng.choice((500, 1000, 1500, 2000, 2500, 3000, 5000, 7500, 10000, 15000)))
    text = pool.rng.choice(("ACOMPTE COMMANDE {po}", "PROVISION", "AVANCE SUR COMMANDE {po}", "ACOMPTE 30%"))
    line = receipt(pool, index, amount=amount, name=name, iban=iban, text=pool.text(text, customer, "", name))
    return SimulatedLine(line, "payment_on_account", customer.id, ())


def non_customer_receipt(pool: Pool, index: int) -> SimulatedLine:
    payer, text = pool.rng.choice(_NON_CUSTOMERS)
    amount = Decimal(pool.rng.randint(1000, 600_000)) / 100
    code = "ACMT/MDOP/INTR" if "INTERETS" in text else "PMNT/RCDT/ESCT"
    line = receipt(pool, index, amount=amount, name=payer, iban=french_iban(pool.rng), text=text, code=code)
    return SimulatedLine(line, "non_customer_receipt", "", ())


def unknown_payer(pool: Pool, index: int) -> SimulatedLine:
    amount = Decimal(pool.rng.randint(500, 300_000)) / 100
    name, text = pool.rng.choice(_STRANGERS), pool.rng.choice(_STRANGER_TEXTS)
    line = receipt(pool, index, amount=amount, name=name, iban=french_iban(pool.rng), text=text)
    return SimulatedLine(line, "unknown_payer", "", ())


def outgoing_payment(pool: Pool, index: int) -> SimulatedLine:
    amount = -Decimal(pool.rng.randint(1000, 2_000_000)) / 100
    name = pool.rng.choice(("FOURNITURES MARTIN SAS", "SALAIRES OCTOBRE", "URSSAF", "DGFIP TVA", "LOYER BUREAUX"))
    line = receipt(
        pool,
        index,
        amount=amount,
        name=name,
        iban=french_iban(pool.rng),
        text="PRLV SEPA",
        code="PMNT/ICDT/ESCT",
    )
    return SimulatedLine(line, "outgoing_payment", "", ())


SCENARIOS: dict[str, Scenario] = {
    "clean_reference": clean_reference,
    "noisy_reference": noisy_reference,
    "structured_reference": structured_reference,
    "grouped_with_references": grouped_with_references,
    "grouped_without_references": grouped_without_references,
    "fee_deducted": fee_deducted,
    "early_payment_discount": early_payment_discount,
    "partial_payment": partial_payment,
    "truncated_reference": truncated_reference,
    "wrong_reference": wrong_reference,
    "parent_pays_subsidiary": parent_pays_subsidiary,
    "payer_name_only": payer_name_only,
    "payment_on_account": payment_on_account,
    "non_customer_receipt": non_customer_receipt,
    "unknown_payer": unknown_payer,
    "outgoing_payment": outgoing_payment,
}
