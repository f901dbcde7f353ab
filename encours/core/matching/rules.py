"""The proposal rules of the matcher: each turns a line's evidence into ``Proposal`` values.

* reference rules: the items the remittance names, settled exactly, net of a bank fee or
  a discount, partially, or completed by other open items of the same customer;
* weak reference rules: truncated or mistyped references, only when the amount confirms;
* payer rules: the identified payer's (then its group's) open items by amount, single or
  combined (bounded subset sum), else a payment on account or oldest-first suggestion;
* amount-only: an open item of exactly that amount and no other clue, for review only.

Confidences start from the strength of the evidence (0.97 for a whole invoice number, the
payer's identification otherwise), move with the amount's fit (``FIT_ADJUSTMENT``) and
with what the payer's identity confirms or contradicts; ``banksim`` measures the result.

>>> FIT_ADJUSTMENT["exact"], FIT_ADJUSTMENT["partial"]
(0.02, -0.12)
"""

from __future__ import annotations

from decimal import Decimal

from encours.core.matching.amounts import AmountFit, fit_amount
from encours.core.matching.context import (
    Context,
    build,
    combinations,
    customer_label,
    describe_fit,
    listed,
    payer_conflict,
    payer_support,
    support_bonus,
)
from encours.core.matching.evidence import STRONG_REFERENCE, PayerHit, RefHit
from encours.core.matching.values import Proposal
from encours.core.money import ZERO

FIT_ADJUSTMENT = {
    "exact": 0.02,
    "bank_fee": -0.01,
    "early_payment_discount": -0.02,
    "partial": -0.12,
    "over": -0.12,
}
_CONFLICT_PENALTY = 0.25
_CONTRADICTION_PENALTY = 0.1
_MIN_PAYER = 0.5
_COMBINING_PAYER = 0.8
_SEARCHING_PAYER = 0.9
_MAX_PAYERS = 3
_PAYER_SPREAD = 0.3


def _quote(hits: list[RefHit]) -> str:
    parts = []
    for hit in hits[:4]:
        how = "" if hit.strength in ("exact", "rf") else f", {hit.strength} match"
        parts.append(f"{hit.written}{how}")
    where = hits[0].source if hits else "remittance"
    return f"reference {', '.join(parts)} in {where}"


def _finish(ctx: Context, item_ids: list[str], confidence: float, reasons: list[str], *, partial: bool) -> float:
    """Adjust a reference proposal by what the payer's identity says."""
    conflict = payer_conflict(ctx, item_ids)
    if conflict is not None:
        reasons.append(f"but {conflict.detail} belongs to {customer_label(ctx, conflict.customer_id)}")
        return confidence - _CONFLICT_PENALTY
    support = payer_support(ctx, item_ids)
    if support is not None:
        bonus = support_bonus(payer_confidence=support.confidence, partial=partial)
        if bonus:
            reasons.append(f"{support.detail} confirms the customer")
        return confidence + bonus
    return confidence


def _groups(ctx: Context, hits: list[RefHit]) -> list[list[RefHit]]:
    """Referenced items split by customer group: a parent may pay its subsidiaries'."""
    clusters: list[list[RefHit]] = []
    for hit in hits:
        owner = ctx.index.items[hit.item_id].customer_id
        for cluster in clusters:
            if ctx.index.same_group(ctx.index.items[cluster[0].item_id].customer_id, owner):
                cluster.append(hit)
                break
        else:
            clusters.append([hit])
    return clusters


def reference_proposals(ctx: Context) -> list[Proposal]:
    proposals: list[Proposal] = []
    for cluster in _groups(ctx, list(ctx.evidence.strong_refs)):
        proposals += _reference_set(ctx, cluster)
    return proposals


def _reference_set(ctx: Context, hits: list[RefHit]) -> list[Proposal]:
    ids = [h.item_id for h in hits]
    due = sum((ctx.balances.receivable(i) for i in ids), ZERO)
    fit = fit_amount(paid=ctx.paid, due=due, config=ctx.config, early=ctx.early(ids))
    base = min(h.confidence for h in hits)
    quote = _quote(hits)
    if fit.kind in ("exact", "bank_fee", "early_payment_discount"):
        reasons = [quote, describe_fit(ctx, fit, len(ids))]
        confidence = _finish(ctx, ids, base + FIT_ADJUSTMENT[fit.kind], reasons, partial=False)
        rule = {"exact": "reference", "bank_fee": "reference_fee"}.get(fit.kind, "reference_discount")
        return [build(ctx, ids, fit, confidence=confidence, rule=rule, reasons=reasons)]
    if fit.kind == "partial":
        return _short_reference(ctx, ids, fit, base, quote)
    return _over_reference(ctx, ids, fit, base, quote)


def _short_reference(ctx: Context, ids: list[str], fit: AmountFit, base: float, quote: str) -> list[Proposal]:
    """Less than the referenced items: some of them paid in full, or a partial payment."""
    proposals = []
    if len(ids) > 1:
        for subset in _fitting_subsets(ctx, ids):
            sub_fit = fit_amount(paid=ctx.paid, due=_due(ctx, subset), config=ctx.config, early=ctx.early(subset))
            reasons = [
                quote,
                f"{listed(ctx, subset)} of the referenced items: {describe_fit(ctx, sub_fit, len(subset))}",
            ]
            confidence = _finish(ctx, subset, base - 0.06, reasons, partial=False)
            proposals.append(
                build(ctx, subset, sub_fit, confidence=confidence, rule="reference_subset", reasons=reasons)
            )
    reasons = [quote, describe_fit(ctx, fit, len(ids))]
    confidence = base + FIT_ADJUSTMENT["partial"] - (0.03 if len(ids) > 1 else 0.0)
    alternative = _exact_alternative(ctx, ids)
    if alternative:
        reasons.append(f"while {alternative} of the same customer is open for exactly this amount")
        confidence -= _CONTRADICTION_PENALTY
    confidence = _finish(ctx, ids, confidence, reasons, partial=True)
    proposals.append(build(ctx, ids, fit, confidence=confidence, rule="reference_partial", reasons=reasons))
    return proposals


def _due(ctx: Context, ids: list[str]) -> Decimal:
    return sum((ctx.balances.receivable(i) for i in ids), ZERO)


def _fitting_subsets(ctx: Context, ids: list[str]) -> list[list[str]]:
    tolerance = ctx.config.fee_tolerance(ctx.paid)
    found, _complete = combinations(ctx, ids, ctx.paid, ctx.paid + tolerance)
    singles = [
        [i]
        for i in ids
        if fit_amount(paid=ctx.paid, due=ctx.balances.receivable(i), config=ctx.config, early=ctx.early([i])).kind
        in ("exact", "bank_fee", "early_payment_discount")
    ]
    return (singles + found)[:2]


def _exact_alternative(ctx: Context, ids: list[str]) -> str:
    owners = {ctx.index.items[i].customer_id for i in ids}
    for owner in owners:
        for item_id in ctx.open_items(owner):
            if item_id not in ids and ctx.balances.receivable(item_id) == ctx.paid:
                return ctx.number(item_id)
    return ""


def _over_reference(ctx: Context, ids: list[str], fit: AmountFit, base: float, quote: str) -> list[Proposal]:
    """More than the referenced items: other open items of the customer may make up the
    rest (a list cut short), else the remainder is kept on account."""
    proposals = []
    remainder = -fit.difference
    owners = {ctx.index.items[i].customer_id for i in ids}
    others = [i for owner in sorted(owners) for i in ctx.open_items(owner) if i not in ids]
    # one more item is the common case (a reference left out); a combination is a guess
    completions = [[i] for i in others if ctx.balances.receivable(i) == remainder]
    penalty = 0.05
    if not completions:
        completions, _complete = combinations(ctx, others, remainder, remainder, max_size=3, max_nodes=2000)
        penalty = 0.15
    for extra in completions[:2]:
        unique = len(completions) == 1
        reasons = [quote, f"the remaining {ctx.money(remainder)} equals {listed(ctx, extra)}"]
        confidence = _finish(ctx, ids + extra, base - (penalty if unique else 0.2), reasons, partial=False)
        exact = AmountFit(kind="exact", difference=ZERO)
        proposals.append(
            build(ctx, ids + extra, exact, confidence=confidence, rule="reference_completed", reasons=reasons)
        )
    reasons = [quote, describe_fit(ctx, fit, len(ids))]
    confidence = base + FIT_ADJUSTMENT["over"]
    alternative = _exact_alternative(ctx, ids)
    if alternative:
        reasons.append(f"while {alternative} of the same customer is open for exactly this amount")
        confidence -= _CONTRADICTION_PENALTY
    confidence = _finish(ctx, ids, confidence, reasons, partial=False)
    proposals.append(build(ctx, ids, fit, confidence=confidence, rule="reference_overpayment", reasons=reasons))
    return proposals


def weak_reference_proposals(ctx: Context) -> list[Proposal]:
    """Truncated, mistyped or last-number-only references count when the amount fits."""
    fitting = []
    for hit in ctx.evidence.refs:
        if hit.confidence >= STRONG_REFERENCE:
            continue
        due = ctx.balances.receivable(hit.item_id)
        fit = fit_amount(paid=ctx.paid, due=due, config=ctx.config, early=ctx.early([hit.item_id]))
        if fit.kind in ("exact", "bank_fee", "early_payment_discount"):
            fitting.append((hit, fit))
    proposals = []
    for hit, fit in fitting[:3]:
        base = (0.8 if fit.kind == "exact" else 0.77) if len(fitting) == 1 else 0.55
        reasons = [
            f"reference {hit.written} in {hit.source} resembles {ctx.number(hit.item_id)} ({hit.strength})",
            describe_fit(ctx, fit, 1),
        ]
        support = payer_support(ctx, [hit.item_id])
        if support is not None and support.confidence >= 0.8:
            base += 0.1
            reasons.append(f"{support.detail} confirms the customer")
        proposals.append(build(ctx, [hit.item_id], fit, confidence=base, rule="weak_reference", reasons=reasons))
    return proposals


def payer_proposals(ctx: Context, *, search_combinations: bool = True) -> list[Proposal]:
    """Proposals from the payer's identity and the amount. ``search_combinations`` is off
    when the references already explain the amount: a combination would be a weaker story."""
    proposals: list[Proposal] = []
    payers = _plausible_payers(ctx)
    for rank, payer in enumerate(payers):
        own = ctx.open_items(payer.customer_id)
        combine = search_combinations and payer.confidence >= _COMBINING_PAYER
        found = _by_amount(ctx, payer, own, factor=1.0, whose="", combine=combine)
        if not found:
            group = [
                i
                for member in sorted(ctx.index.group_scope(payer.customer_id) - {payer.customer_id})
                for i in ctx.open_items(member)
            ]
            found = _by_amount(ctx, payer, group, factor=0.97, whose=" of its group", combine=combine)
        if not found and (rank == 0 or payer.confidence >= _COMBINING_PAYER):
            found = _on_account(ctx, payer, own)
        proposals += found
    return proposals


def _plausible_payers(ctx: Context) -> list[PayerHit]:
    """The payer hits worth a look: not far behind the best one (a name at 80 % next to a
    known IBAN is noise)."""
    hits = ctx.evidence.payers
    if not hits:
        return []
    floor = max(_MIN_PAYER, hits[0].confidence - _PAYER_SPREAD)
    return [p for p in hits if p.confidence >= floor][:_MAX_PAYERS]


def _by_amount(
    ctx: Context, payer: PayerHit, ids: list[str], *, factor: float, whose: str, combine: bool
) -> list[Proposal]:
    if not ids:
        return []
    singles: dict[str, list[tuple[str, AmountFit]]] = {
        "exact": [],
        "bank_fee": [],
        "early_payment_discount": [],
    }
    paid = ctx.paid
    widest = ctx.config.fee_tolerance_absolute
    top_rate = max(ctx.config.early_payment_discount_percents, default=ZERO) / Decimal(100)
    for item_id in ids:
        due = ctx.balances.receivable(item_id)
        # cheap bound first: a fit needs 0 <= due - paid <= the largest fee or discount
        if due < paid or due - paid > max(widest, due * top_rate + Decimal("0.02")):
            continue
        if ctx.index.items[item_id].kind != "invoice":
            continue
        fit = fit_amount(paid=paid, due=due, config=ctx.config, early=ctx.early([item_id]))
        if fit.kind in singles:
            singles[fit.kind].append((item_id, fit))
    if singles["exact"]:
        return _single_proposals(ctx, payer, singles["exact"], 0.96 * factor, whose)
    found = _combination_proposals(ctx, payer, ids, factor, whose) if combine else []
    # without a reference a shortfall is rarely a bank fee: domestic SEPA transfers carry none
    for kind, unique_factor in (("bank_fee", 0.88), ("early_payment_discount", 0.86)):
        if singles[kind]:
            found += _single_proposals(ctx, payer, singles[kind], unique_factor * factor, whose)
    return found


def _payer_reasons(ctx: Context, payer: PayerHit, whose: str) -> list[str]:
    reasons = [f"{payer.detail} identifies {customer_label(ctx, payer.customer_id)}"]
    if whose:
        reasons.append(f"paying for a customer{whose}")
    return reasons


def _contradicted(ctx: Context, ids: list[str], confidence: float, reasons: list[str]) -> float:
    others = [h for h in ctx.evidence.strong_refs if h.item_id not in ids]
    if others:
        reasons.append(f"but the remittance names {ctx.number(others[0].item_id)}")
        return confidence - _CONTRADICTION_PENALTY
    return confidence


def _single_proposals(
    ctx: Context, payer: PayerHit, fits: list[tuple[str, AmountFit]], factor: float, whose: str
) -> list[Proposal]:
    proposals = []
    for rank, (item_id, fit) in enumerate(fits[:3]):
        reasons = _payer_reasons(ctx, payer, whose)
        if len(fits) == 1:
            confidence = payer.confidence * factor
            reasons.append(f"{describe_fit(ctx, fit, 1)} of {ctx.number(item_id)}, the only open item that fits")
        else:
            confidence = payer.confidence * (0.6 if rank == 0 else 0.5)
            reasons.append(f"{describe_fit(ctx, fit, 1)} of {ctx.number(item_id)}, one of {len(fits)} that fit")
        confidence = _contradicted(ctx, [item_id], confidence, reasons)
        rule = {"exact": "payer_amount", "bank_fee": "payer_fee"}.get(fit.kind, "payer_discount")
        proposals.append(build(ctx, [item_id], fit, confidence=confidence, rule=rule, reasons=reasons))
    return proposals


def _combination_proposals(ctx: Context, payer: PayerHit, ids: list[str], factor: float, whose: str) -> list[Proposal]:
    """Several open items paid at once: the oldest ones first (a statement settled), else
    any combination the bounded search finds; only a unique solution earns confidence.
    Exact totals are looked for first; totals short of a bank fee only when none exists."""
    tolerance = ctx.config.fee_tolerance(ctx.paid)
    # the open-ended search only for a payer identified beyond doubt: for the others a
    # combination would stay a suggestion, and the search is the costly part of matching
    search = payer.confidence >= _SEARCHING_PAYER
    for low, high in ((ctx.paid, ctx.paid), (ctx.paid, ctx.paid + tolerance)):
        oldest = oldest_items_fitting(ctx, ids, low, high)
        found, complete = combinations(ctx, ids, low, high, limit=2) if search else ([], False)
        candidates = [s for s in found if oldest is None or set(s) != set(oldest)]
        if oldest is not None:
            candidates.insert(0, oldest)
        if candidates:
            return [
                _combination(ctx, payer, subset, candidates, complete, oldest, factor, whose)
                for subset in candidates[:3]
            ]
    return []


def _combination(
    ctx: Context,
    payer: PayerHit,
    subset: list[str],
    candidates: list[list[str]],
    complete: bool,
    oldest: list[str] | None,
    factor: float,
    whose: str,
) -> Proposal:
    due = _due(ctx, subset)
    fit = (
        AmountFit(kind="exact", difference=ZERO)
        if due == ctx.paid
        else AmountFit(kind="bank_fee", difference=due - ctx.paid)
    )
    is_oldest = oldest is not None and set(subset) == set(oldest)
    unique = len(candidates) == 1 and (complete or is_oldest)
    # customers settle their oldest invoices first: that pattern is itself evidence
    size_factor = 0.95 if is_oldest else 0.94 if len(subset) <= 3 else 0.91 if len(subset) <= 5 else 0.88
    # without a reference, a total short of a "fee" is as likely a coincidence
    size_factor -= 0.08 if fit.kind != "exact" else 0.0
    confidence = payer.confidence * factor * size_factor if unique else payer.confidence * 0.55
    reasons = _payer_reasons(ctx, payer, whose)
    what = "its oldest open items" if is_oldest else f"{len(subset)} open items"
    reasons.append(f"{what} {listed(ctx, subset)}: {describe_fit(ctx, fit, len(subset))}")
    if not unique:
        reasons.append("another combination fits too" if len(candidates) > 1 else "the search stopped at its cap")
    confidence = _contradicted(ctx, subset, confidence, reasons)
    return build(ctx, subset, fit, confidence=confidence, rule="payer_combination", reasons=reasons)


def oldest_items_fitting(ctx: Context, ids: list[str], low: Decimal, high: Decimal) -> list[str] | None:
    """The k >= 2 oldest open invoices whose total lies in [low, high], if any."""
    total = ZERO
    taken = []
    for item_id in ids:
        if ctx.index.items[item_id].kind != "invoice":
            continue
        total += ctx.balances.receivable(item_id)
        taken.append(item_id)
        if total > high:
            return None
        if total >= low and len(taken) >= 2:
            return list(taken)
    return None


def _on_account(ctx: Context, payer: PayerHit, own: list[str]) -> list[Proposal]:
    """No item fits: keep the cash on the customer's account, or settle oldest first."""
    reasons = _payer_reasons(ctx, payer, "")
    reasons.append("no open item or combination matches the amount: payment on account")
    proposals = [
        build(
            ctx,
            [],
            AmountFit(kind="over", difference=-ctx.paid),
            confidence=payer.confidence * 0.5,
            rule="payer_on_account",
            reasons=reasons,
            customer_id=payer.customer_id,
        )
    ]
    invoices = [i for i in own if ctx.index.items[i].kind == "invoice"]
    if invoices:
        fit = fit_amount(paid=ctx.paid, due=_due(ctx, invoices), config=ctx.config, early=False)
        reasons = _payer_reasons(ctx, payer, "")
        reasons.append(f"oldest open items first: {listed(ctx, invoices)}")
        kind = fit if fit.kind == "partial" else AmountFit(kind="over", difference=fit.difference)
        proposals.append(
            build(
                ctx,
                invoices,
                kind,
                confidence=payer.confidence * 0.45,
                rule="payer_oldest_first",
                reasons=reasons,
            )
        )
    return proposals


def amount_only_proposals(ctx: Context) -> list[Proposal]:
    """An open item of exactly this amount, with no other clue: a suggestion to review."""
    ids = [i for i in ctx.index.items_with_amount(ctx.line.currency, ctx.paid) if ctx.balances.is_open(i)]
    ids = [i for i in ids if ctx.balances.receivable(i) == ctx.paid]
    if not ids or len(ids) > 3:
        return []
    confidence = 0.5 if len(ids) == 1 else 0.4
    proposals = []
    for item_id in ids:
        customer = ctx.index.items[item_id].customer_id
        reasons = [
            f"amount equals the open amount of {ctx.number(item_id)} ({customer_label(ctx, customer)})",
            "no reference and an unknown payer",
        ]
        proposals.append(
            build(
                ctx,
                [item_id],
                AmountFit(kind="exact", difference=ZERO),
                confidence=confidence,
                rule="amount_only",
                reasons=reasons,
            )
        )
    return proposals
