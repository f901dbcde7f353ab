"""Plain values the matching engine reads and returns.

The Django side turns customer and open-item rows into ``Customer`` and ``OpenItem``,
chooses a ``MatchingConfig`` per legal entity, and stores the ``LineMatch`` it gets back:
auto-applied allocations, or ranked ``Proposal`` values for the review queue.

>>> from datetime import date
>>> item = OpenItem(id="I1", customer_id="C1", number="AV2026-00012", open_amount=Decimal("120.00"),
...                 currency="EUR", due_date=date(2026, 11, 30), document_date=date(2026, 10, 31),
...                 kind="credit_note")
>>> item.receivable
Decimal('-120.00')
>>> MatchingConfig().fee_tolerance(Decimal("1434.10"))
Decimal('15.00')
>>> MatchingConfig().fee_tolerance(Decimal("300.00"))
Decimal('6.00')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from encours.core.errors import ValidationFailed
from encours.core.money import ZERO, quantize

ItemKind = Literal["invoice", "credit_note"]
Classification = Literal["customer_receipt", "not_customer_receipt", "outgoing", "reversal"]
WriteOffReason = Literal["", "bank_fee", "early_payment_discount"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Customer:
    """A customer as the matcher sees it. ``aliases`` and ``ibans`` include what earlier
    confirmed matches taught (payer names and accounts seen on the bank side)."""

    id: str
    account_number: str
    name: str
    aliases: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()
    group_id: str = ""
    parent_id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValidationFailed("a customer needs an id")
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "ibans", tuple(self.ibans))


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenItem:
    """An open invoice or credit note. ``open_amount`` is what remains open, always
    positive; ``receivable`` gives it the ledger's sign (a credit note reduces the debt)."""

    id: str
    customer_id: str
    number: str
    open_amount: Decimal
    currency: str
    due_date: date
    document_date: date
    kind: ItemKind = "invoice"
    rf_reference: str = ""

    def __post_init__(self) -> None:
        if self.open_amount <= ZERO:
            raise ValidationFailed(f"item {self.number}: the open amount must be positive, not {self.open_amount}")
        if self.kind not in ("invoice", "credit_note"):
            raise ValidationFailed(f"item {self.number}: unknown kind {self.kind!r}")

    @property
    def receivable(self) -> Decimal:
        return self.open_amount if self.kind == "invoice" else -self.open_amount


_DEFAULT_NON_CUSTOMER_NAMES = (
    "URSSAF",
    "DGFIP",
    "DIRECTION GENERALE DES FINANCES PUBLIQUES",
    "FINANCES PUBLIQUES",
    "TRESOR PUBLIC",
    "SERVICE DES IMPOTS",
    "IMPOTS",
    "CPAM",
    "CAF",
    "POLE EMPLOI",
    "FRANCE TRAVAIL",
    "BPIFRANCE",
    "BANQUE POPULAIRE",
    "CREDIT AGRICOLE",
    "CREDIT MUTUEL",
    "CAISSE D EPARGNE",
    "SOCIETE GENERALE",
    "BNP PARIBAS",
    "LCL",
    "LA BANQUE POSTALE",
    "AXA",
    "ALLIANZ",
    "GROUPAMA",
    "MAIF",
    "MACIF",
    "GENERALI",
    "EDF",
    "ENGIE",
    "ORANGE",
    "AG2R",
    "MALAKOFF HUMANIS",
)
_DEFAULT_NON_CUSTOMER_KEYWORDS = (
    "INTERETS",
    "INTERET CREDITEUR",
    "REMBOURSEMENT",
    "REMBT",
    "AVOIR FOURNISSEUR",
    "TROP PERCU",
    "CREDIT IMPOT",
    "CICE",
    "REMBOURSEMENT TVA",
    "CREDIT TVA",
    "DIVIDENDE",
    "SUBVENTION",
    "INDEMNITE SINISTRE",
    "INDEMNISATION",
    "DEBLOCAGE PRET",
    "VIREMENT INTERNE",
    "VIREMENT DE COMPTE A COMPTE",
    "APPORT EN COMPTE COURANT",
    "RETROCESSION",
)
# ISO 20022 bank transaction domains that never carry a customer payment: loans, securities,
# FX, cash management (sweeps), account management (interest, charges).
_DEFAULT_NON_CUSTOMER_DOMAINS = ("LDAS", "SECU", "FORX", "CAMT", "ACMT", "TRAD", "CMDT", "DERV", "PMET")


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchingConfig:
    """Thresholds a credit manager tunes per legal entity.

    Tolerances follow SAP tolerance groups: a difference is accepted when it is below
    both the absolute and the percentage limit. A discount applies when the bank booked
    the payment no later than ``discount_grace_days`` after the due date. The subset-sum
    caps bound the work per bank line: the ``subset_max_items`` oldest open invoices,
    combinations of ``subset_max_size`` items at most, ``subset_max_nodes`` search steps
    and ``subset_max_milliseconds`` for all the searches of the line.
    """

    auto_apply_threshold: float = 0.90
    auto_apply_margin: float = 0.05
    fee_tolerance_absolute: Decimal = Decimal("15.00")
    fee_tolerance_percent: Decimal = Decimal("2")
    early_payment_discount_percents: tuple[Decimal, ...] = (
        Decimal("2"),
        Decimal("1.5"),
        Decimal("1"),
        Decimal("3"),
    )
    discount_grace_days: int = 5
    subset_max_items: int = 30
    subset_max_size: int = 8
    subset_max_nodes: int = 2_000
    subset_max_milliseconds: float = 25.0
    name_min_score: float = 80.0
    max_proposals: int = 5
    non_customer_names: tuple[str, ...] = field(default=_DEFAULT_NON_CUSTOMER_NAMES)
    non_customer_keywords: tuple[str, ...] = field(default=_DEFAULT_NON_CUSTOMER_KEYWORDS)
    non_customer_bank_domains: tuple[str, ...] = field(default=_DEFAULT_NON_CUSTOMER_DOMAINS)

    def __post_init__(self) -> None:
        if not 0.0 < self.auto_apply_threshold <= 1.0:
            raise ValidationFailed("the auto-apply threshold is a confidence in (0, 1]")
        if self.fee_tolerance_absolute < ZERO or self.fee_tolerance_percent < ZERO:
            raise ValidationFailed("fee tolerances cannot be negative")
        if any(not ZERO < rate < Decimal(100) for rate in self.early_payment_discount_percents):
            raise ValidationFailed("discount rates are percentages between 0 and 100")
        if self.subset_max_items < 1 or self.subset_max_size < 1 or self.max_proposals < 1:
            raise ValidationFailed("subset caps and max proposals must be at least 1")

    def fee_tolerance(self, amount_due: Decimal) -> Decimal:
        """The largest bank fee accepted on an amount due: the lower of the two limits."""
        by_percent = quantize(abs(amount_due) * self.fee_tolerance_percent / Decimal(100))
        return min(self.fee_tolerance_absolute, by_percent)


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """Cash applied to one item (negative when a credit note is used), plus what is
    written off to close it (a deducted bank fee, a taken discount)."""

    item_id: str
    customer_id: str
    item_number: str
    amount: Decimal
    write_off: Decimal = ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """One way to apply a bank line. The allocations' amounts plus ``unapplied`` (left on
    the customer's account) equal the line's amount."""

    customer_id: str
    allocations: tuple[Allocation, ...]
    unapplied: Decimal
    confidence: float
    rule: str
    reason: str
    write_off_reason: WriteOffReason = ""

    @property
    def write_off(self) -> Decimal:
        return sum((a.write_off for a in self.allocations), ZERO)

    @property
    def item_ids(self) -> frozenset[str]:
        return frozenset(a.item_id for a in self.allocations)


@dataclass(frozen=True, slots=True, kw_only=True)
class LineMatch:
    """The engine's answer for one bank line: its classification, ranked proposals, and
    whether the best one is safe to apply without review."""

    line_key: str
    line_index: int
    classification: Classification
    proposals: tuple[Proposal, ...]
    auto_apply: bool
    reason: str

    @property
    def best(self) -> Proposal | None:
        return self.proposals[0] if self.proposals else None
