"""Cash application: which customer and which open items a bank line pays.

Build a ``MatchingIndex`` once over customers and open items, then ``match_lines`` a
statement. Each line is classified (customer receipt, not a customer receipt, outgoing,
reversal); a receipt gets ranked proposals from the selectors (references in the
remittance, payer IBAN and name, amounts and combinations of the payer's open items),
each with a confidence in [0, 1], the rule that made it and a plain-English reason. The
best proposal is auto-applied when its confidence reaches the threshold and beats the
runner-up by the margin; within a batch an applied item is not offered again.

>>> from datetime import date
>>> from decimal import Decimal
>>> from encours.core.formats.bank import BankLine
>>> index = MatchingIndex(
...     customers=[Customer(id="C01033", account_number="C01033", name="Électricité Mercier SASU")],
...     items=[OpenItem(id="I1229", customer_id="C01033", number="FA2026-01229",
...                     open_amount=Decimal("918.08"), currency="EUR",
...                     due_date=date(2026, 10, 30), document_date=date(2026, 9, 30))])
>>> line = BankLine(index=0, amount=Decimal("918.08"), currency="EUR", remittance_text="ref fa202601229",
...                 counterparty_name="ÉLECTRICITÉ MERCIER SASU", booking_date=date(2026, 11, 2))
>>> (result,) = match_lines([line], index=index)
>>> result.auto_apply, result.best.customer_id, result.best.confidence, result.best.rule
(True, 'C01033', 0.995, 'reference')
>>> for part in result.best.reason.split("; "):
...     print(part)
reference FA202601229 in remittance
amount equals open amount
name 'ÉLECTRICITÉ MERCIER SASU' ~ 'Électricité Mercier SASU' (100) confirms the customer
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from encours.core.formats.bank import BankLine
from encours.core.identifiers import normalize_iban
from encours.core.matching.context import Context
from encours.core.matching.evidence import Evidence, gather_evidence
from encours.core.matching.index import MatchingIndex, OpenBalances, collector_paused
from encours.core.matching.names import split_company_name
from encours.core.matching.refs import fold
from encours.core.matching.rules import (
    amount_only_proposals,
    payer_proposals,
    reference_proposals,
    weak_reference_proposals,
)
from encours.core.matching.values import (
    Allocation,
    Classification,
    Customer,
    LineMatch,
    MatchingConfig,
    OpenItem,
    Proposal,
)
from encours.core.money import ZERO

__all__ = [
    "DEFAULT_CONFIG",
    "Allocation",
    "Customer",
    "LearnedFacts",
    "LineMatch",
    "MatchingConfig",
    "MatchingIndex",
    "OpenBalances",
    "OpenItem",
    "Proposal",
    "learned_from",
    "match_line",
    "match_lines",
]

DEFAULT_CONFIG = MatchingConfig()
_CUSTOMER_EVIDENCE = 0.85
_BEYOND_COMPETITION = 0.95
_AMOUNT_EXPLAINED = frozenset({"reference", "reference_fee", "reference_discount", "rf_reference"})


def match_lines(
    lines: Iterable[BankLine], *, index: MatchingIndex, config: MatchingConfig = DEFAULT_CONFIG
) -> tuple[LineMatch, ...]:
    """Match a statement's lines in order; auto-applied allocations are taken off the open
    amounts before the next line is matched."""
    balances = OpenBalances(index)
    results = []
    with collector_paused():
        for line in lines:
            result = match_line(line, index=index, config=config, balances=balances)
            if result.auto_apply and result.best is not None:
                balances.apply(result.best.allocations)
            results.append(result)
    return tuple(results)


def match_line(
    line: BankLine,
    *,
    index: MatchingIndex,
    config: MatchingConfig = DEFAULT_CONFIG,
    balances: OpenBalances | None = None,
) -> LineMatch:
    """Classify one line and rank its proposals."""
    if line.amount <= ZERO or line.is_reversal:
        kind: Classification = "reversal" if line.is_reversal else "outgoing"
        reason = "a reversal, not a payment" if line.is_reversal else "money paid out, not a receipt"
        return LineMatch(
            line_key=line.key, line_index=line.index, classification=kind, proposals=(), auto_apply=False, reason=reason
        )
    balances = balances if balances is not None else OpenBalances(index)
    evidence = gather_evidence(line, index=index, balances=balances, config=config)
    signal = _non_customer_signal(line, config)
    if signal and not _has_customer_evidence(evidence):
        return LineMatch(
            line_key=line.key,
            line_index=line.index,
            classification="not_customer_receipt",
            proposals=(),
            auto_apply=False,
            reason=signal,
        )
    deadline = time.perf_counter() + config.subset_max_milliseconds / 1000.0
    context = Context(line=line, index=index, balances=balances, config=config, evidence=evidence, deadline=deadline)
    proposals = _ranked(_all_proposals(context, evidence), config.max_proposals)
    auto, reason = _auto_decision(proposals, config)
    return LineMatch(
        line_key=line.key,
        line_index=line.index,
        classification="customer_receipt",
        proposals=proposals,
        auto_apply=auto,
        reason=reason,
    )


def _all_proposals(ctx: Context, evidence: Evidence) -> list[Proposal]:
    proposals = reference_proposals(ctx) + weak_reference_proposals(ctx)
    explained = max((p.confidence for p in proposals if p.rule in _AMOUNT_EXPLAINED), default=0.0)
    if explained < _BEYOND_COMPETITION:
        # a payer-and-amount story can only compete with a reference that does not settle
        # the amount; past that level it would carry the contradiction and lose anyway
        proposals += payer_proposals(ctx, search_combinations=explained < 0.9)
    if not evidence.payers and not any(p.confidence >= 0.5 for p in proposals):
        proposals += amount_only_proposals(ctx)
    return proposals


def _has_customer_evidence(evidence: Evidence) -> bool:
    return bool(evidence.strong_refs) or any(p.confidence >= _CUSTOMER_EVIDENCE for p in evidence.payers)


def _ranked(proposals: list[Proposal], limit: int) -> tuple[Proposal, ...]:
    """Best first; of two proposals settling the same items the same way, the better one."""
    best: dict[tuple[object, ...], Proposal] = {}
    for proposal in proposals:
        signature = (
            proposal.customer_id,
            tuple(sorted((a.item_id, a.amount, a.write_off) for a in proposal.allocations)),
        )
        known = best.get(signature)
        if known is None or known.confidence < proposal.confidence:
            best[signature] = proposal
    ranked = sorted(best.values(), key=lambda p: (-p.confidence, p.unapplied, len(p.allocations), p.rule))
    return tuple(ranked[:limit])


def _auto_decision(proposals: tuple[Proposal, ...], config: MatchingConfig) -> tuple[bool, str]:
    if not proposals:
        return False, "no proposal: unknown payer and no reference"
    best = proposals[0]
    if not best.allocations:
        return False, "review: the cash would stay on account"
    if best.confidence < config.auto_apply_threshold:
        return False, f"review: confidence {best.confidence:.2f} below {config.auto_apply_threshold:.2f}"
    if len(proposals) > 1 and best.confidence - proposals[1].confidence < config.auto_apply_margin:
        return False, f"review: runner-up at {proposals[1].confidence:.2f} is too close"
    return True, f"auto-applied at confidence {best.confidence:.2f}"


@lru_cache(maxsize=64)
def _phrases(values: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(p for p in (tuple(_words(v)) for v in values) if p)


_WORD = re.compile(r"[A-Z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _first_phrase(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    present = set(words)
    for phrase in phrases:
        if phrase[0] in present and all(w in present for w in phrase):
            size = len(phrase)
            if any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1)):
                return phrase
    return None


def _non_customer_signal(line: BankLine, config: MatchingConfig) -> str:
    """Why a receipt looks like it is not from a customer (public body, bank, interest,
    refund...), or ''."""
    if _first_phrase(_words(line.payer_name), _phrases(config.non_customer_names)):
        return f"not a customer receipt: payer {line.payer_name} is on the non-customer list"
    said = _first_phrase(
        _words(f"{line.remittance_text} {line.additional_info}"), _phrases(config.non_customer_keywords)
    )
    if said:
        return f"not a customer receipt: remittance says {' '.join(said)}"
    domain = line.bank_transaction_code.split("/")[0]
    if domain in config.non_customer_bank_domains:
        return f"not a customer receipt: bank transaction code {line.bank_transaction_code}"
    return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnedFacts:
    """What a confirmed match teaches about a customer, for the Django side to store:
    a payer IBAN and a payer name it did not know ('' when nothing new)."""

    customer_id: str
    iban: str
    alias: str


def learned_from(line: BankLine, *, customer_id: str, index: MatchingIndex) -> LearnedFacts:
    """The IBAN and name alias to remember once a user confirms that ``line`` came from
    ``customer_id``; also records them in the index for the rest of the run."""
    customer = index.customers[customer_id]
    iban = normalize_iban(line.payer_iban) if line.payer_iban else ""
    if iban and customer_id in index.customers_by_iban(iban):
        iban = ""
    alias = line.payer_name.strip()
    known = {split_company_name(n) for n in (customer.name, *customer.aliases)}
    if not alias or split_company_name(alias) in known or not split_company_name(alias)[0]:
        alias = ""
    if iban:
        index.add_iban(customer_id, iban)
    if alias:
        index.add_alias(customer_id, alias)
    return LearnedFacts(customer_id=customer_id, iban=iban, alias=alias)
