"""What a bank line says about who paid and which items: the selectors of the matcher.

References (invoice numbers in any common spelling, RF creditor references, customer
account numbers) give ``RefHit`` values; the payer's IBAN, name, ultimate debtor or a name
in the remittance text give ``PayerHit`` values. Each hit has a confidence in [0, 1] and
the words of the line it rests on, which the reasons quote.

>>> from datetime import date
>>> from decimal import Decimal
>>> from encours.core.formats.bank import BankLine
>>> from encours.core.matching.values import Customer, MatchingConfig, OpenItem
>>> index = MatchingIndex(
...     customers=[Customer(id="C1", account_number="C01033", name="Électricité Mercier SASU")],
...     items=[OpenItem(id="I1", customer_id="C1", number="FA2026-01229", open_amount=Decimal("918.08"),
...                     currency="EUR", due_date=date(2026, 10, 30), document_date=date(2026, 9, 30))])
>>> line = BankLine(index=0, amount=Decimal("918.08"), currency="EUR", remittance_text="ref fa202601229",
...                 counterparty_name="ELECTRICITE MERCIER SASU")
>>> evidence = gather_evidence(line, index=index, balances=OpenBalances(index), config=MatchingConfig())
>>> [(h.item_id, h.strength, h.written) for h in evidence.refs]
[('I1', 'exact', 'FA202601229')]
>>> [(p.customer_id, p.via, p.confidence) for p in evidence.payers]
[('C1', 'name', 0.95)]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from encours.core.formats.bank import BankLine
from encours.core.matching.index import MatchingIndex, OpenBalances
from encours.core.matching.names import NameMatch
from encours.core.matching.refs import (
    NumberKeys,
    Window,
    groups_compatible,
    number_keys,
    reference_windows,
    rf_references,
)
from encours.core.matching.values import MatchingConfig

STRONG_REFERENCE = 0.85
_PREFIX_LIMIT = 300
_MIN_UNMATCHED_LENGTH = 6
_MIN_UNMATCHED_DIGITS = 4
_TEXT_NAME_MIN_SCORE = 88.0
_NEAR_MISS_PAYERS = 2
_PREFIX_WORD = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class RefHit:
    item_id: str
    strength: str
    confidence: float
    written: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerHit:
    customer_id: str
    confidence: float
    via: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    refs: tuple[RefHit, ...]
    payers: tuple[PayerHit, ...]
    invalid_rf: tuple[str, ...] = ()
    unmatched: tuple[Window, ...] = field(default=())

    @property
    def strong_refs(self) -> tuple[RefHit, ...]:
        return tuple(h for h in self.refs if h.confidence >= STRONG_REFERENCE)


def _sources(line: BankLine) -> list[tuple[str, str]]:
    sources = [("structured reference", line.creditor_reference)]
    sources += [("referenced document", d) for d in line.referenced_documents]
    sources += [
        ("remittance", line.remittance_text),
        ("end-to-end id", line.end_to_end_id),
        ("additional information", line.additional_info),
    ]
    return [(name, text) for name, text in sources if text]


class _Collector:
    def __init__(self, index: MatchingIndex, balances: OpenBalances) -> None:
        self.index, self.balances = index, balances
        self.refs: dict[str, RefHit] = {}
        self.accounts: dict[str, str] = {}
        self.invalid_rf: list[str] = []
        self.unmatched: list[Window] = []
        self.cut_short: list[Window] = []

    def hit(self, item_ids: tuple[str, ...], strength: str, confidence: float, written: str, source: str) -> None:
        if source != "remittance" and strength != "prefix":
            confidence = min(0.99, confidence + 0.01)  # a structured field was meant to carry it
        for item_id in item_ids:
            if not self.balances.is_open(item_id):
                continue
            known = self.refs.get(item_id)
            if known is None or known.confidence < confidence:
                self.refs[item_id] = RefHit(
                    item_id=item_id, strength=strength, confidence=confidence, written=written, source=source
                )

    def read(self, source: str, text: str) -> None:
        for reference, valid in rf_references(text):
            item_id = self.index.item_by_rf(reference) if valid else None
            if item_id:
                self.hit((item_id,), "rf", 0.99, reference, source)
            elif not valid:
                self.invalid_rf.append(reference)
            self._window_lookup(reference[4:], source, reference)
        for window in reference_windows(text):
            found = self._window_lookup(window.compact, source, window.text, window)
            account = self.index.customer_by_account(window.compact)
            if account:
                self.accounts.setdefault(account, window.text)
                continue
            if not found and _worth_a_second_look(window):
                self.unmatched.append(window)
            # 'FA2026-107' at the end of a text: invoice 107, or the start of a longer one
            whole = bool(self.index.items_by_compact(window.compact))
            if window.at_text_end and window.maximal and not whole and len(window.digits) >= 5:
                self.cut_short.append(window)

    def _window_lookup(self, key: str, source: str, written: str, window: Window | None = None) -> bool:
        """Hits for one written reference; True when it names any item, open or not. The
        digits-only spellings count when no whole number matched and the letters written
        agree with the item's ('F' or 'FACT' for 'FA', never 'FA' for 'AV')."""
        index = self.index
        exact = index.items_by_compact(key)
        if exact:
            keys = number_keys(key)
            long_enough = len(keys.compact) >= 6 and len(keys.digits) >= 4
            self.hit(exact, "exact", 0.97 if long_enough else 0.75, written, source)
            return True
        if window is None or not window.prefix_shaped:
            return False
        by_digits = index.items_by_digits(window.digits) if len(window.digits) >= 5 else ()
        by_digits = tuple(i for i in by_digits if _letters_agree(_prefix_letters(window), index.keys[i]))
        self.hit(by_digits, "digits", 0.95 if len(window.digits) >= 8 else 0.88, written, source)
        compatible: tuple[str, ...] = ()
        if len(window.raw_groups) >= 2:
            stripped = tuple(g.lstrip("0") or "0" for g in window.raw_groups)
            compatible = tuple(
                i
                for i in index.items_by_groups(stripped)
                if groups_compatible(window.raw_groups, index.keys[i].raw_groups)
                and _letters_agree(_prefix_letters(window), index.keys[i])
            )
            # padding dropped and no prefix written ('2026/4471'): could be any number
            strength = 0.9 if window.run_letters and len(window.digits) >= 6 else 0.75
            self.hit(compatible, "groups", strength, written, source)
        return bool(by_digits or compatible)

    def truncated(self) -> None:
        """A reference cut at the end of a text may be the start of one: weak hits."""
        for window in self.cut_short:
            for key in {window.compact, window.digits}:
                if len(key) >= _MIN_UNMATCHED_LENGTH:
                    found = self.index.items_by_prefix(key, limit=_PREFIX_LIMIT)
                    self.hit(found, "prefix", 0.6, window.text, "remittance")

    def near_misses(self, customer_ids: set[str]) -> None:
        """Among the payers' own items: a reference cut short, one typo away, or its last
        number only. Typos and last numbers are not looked for when a whole reference was
        found (the other numbers of the text are then dates, orders...)."""
        whole = any(h.strength in ("rf", "exact", "digits") for h in self.refs.values())
        unmatched = [] if whole else self.unmatched
        if not unmatched and not self.cut_short:
            return
        for customer_id in customer_ids:
            for item_id in self.index.items_of(customer_id):
                if item_id in self.refs or not self.balances.is_open(item_id):
                    continue
                keys = self.index.keys[item_id]
                for window in self.cut_short:
                    if _starts(keys, window):
                        self.hit((item_id,), "prefix", 0.6, window.text, "remittance")
                for window in unmatched:
                    self._near_miss(item_id, keys.compact, keys.digits, keys.raw_groups, window)

    def _near_miss(
        self, item_id: str, item_compact: str, digits: str, raw_groups: tuple[str, ...], window: Window
    ) -> None:
        if len(window.compact) >= 8 and (
            OSA.distance(window.compact, item_compact, score_cutoff=1) <= 1
            or (len(window.digits) >= 8 and OSA.distance(window.digits, digits, score_cutoff=1) <= 1)
        ):
            self.hit((item_id,), "fuzzy", 0.7, window.text, "remittance")
        elif window.compact.isdigit() and 3 <= len(window.compact) <= 6 and raw_groups:
            last = raw_groups[-1]
            if window.compact == last or (not window.compact.startswith("0") and window.compact == last.lstrip("0")):
                self.hit((item_id,), "suffix", 0.6, window.text, "remittance")


def _starts(keys: NumberKeys, window: Window) -> bool:
    """The item's number begins with what was written before the cut."""
    if len(window.compact) >= 8 and keys.compact.startswith(window.compact) and keys.compact != window.compact:
        return True
    return len(window.digits) >= 6 and keys.digits.startswith(window.digits) and keys.digits != window.digits


def _prefix_letters(window: Window) -> str:
    """The letters that claim to be the number's prefix: those written in the window, else
    a short token heading it ('F 2026/5699'); a word ('REGLT 2026-01195') claims nothing."""
    if window.letters:
        return window.letters
    return window.run_letters if len(window.run_letters) <= _PREFIX_WORD else ""


def _letters_agree(written: str, keys: NumberKeys) -> bool:
    """Letters written before the digits may shorten or lengthen the item's prefix."""
    if not written:
        return True
    letters = "".join(c for c in keys.compact if not c.isdigit())
    return written.startswith(letters) or letters.startswith(written)


def _worth_a_second_look(window: Window) -> bool:
    digits = len(window.digits)
    return window.maximal and (
        (len(window.compact) >= _MIN_UNMATCHED_LENGTH and digits >= _MIN_UNMATCHED_DIGITS)
        or (window.compact.isdigit() and 3 <= digits <= 6)
    )


def name_confidence(score: float) -> float:
    """How far a name match identifies a customer (an exact name is not an IBAN)."""
    if score >= 99:
        return 0.95
    if score >= 96:
        return 0.9
    if score >= 92:
        return 0.82
    if score >= 88:
        return 0.72
    return 0.55


def _payers(line: BankLine, index: MatchingIndex, config: MatchingConfig, accounts: dict[str, str]) -> list[PayerHit]:
    hits: list[PayerHit] = []
    by_iban = index.customers_by_iban(line.payer_iban)
    for customer_id in sorted(by_iban):
        confidence = 0.97 if len(by_iban) == 1 else 0.85
        hits.append(
            PayerHit(customer_id=customer_id, confidence=confidence, via="iban", detail=f"payer IBAN {line.payer_iban}")
        )
    for customer_id, written in accounts.items():
        hits.append(
            PayerHit(
                customer_id=customer_id,
                confidence=0.95,
                via="account",
                detail=f"customer account {written} in remittance",
            )
        )
    for via, name in (("name", line.payer_name), ("ultimate debtor", line.ultimate_party_name)):
        if name:
            hits += _name_hits(index.names.lookup(name, min_score=config.name_min_score), via, name)
    if not any(h.via == "name" for h in hits) and line.remittance_text:
        found = index.names.text_lookup(line.remittance_text, min_score=_TEXT_NAME_MIN_SCORE)
        hits += [
            PayerHit(customer_id=h.customer_id, confidence=h.confidence * 0.9, via="text name", detail=h.detail)
            for h in _name_hits(found, "text name", line.remittance_text)
        ]
    return hits


def _name_hits(matches: tuple[NameMatch, ...], via: str, written: str) -> list[PayerHit]:
    return [
        PayerHit(
            customer_id=m.customer_id,
            confidence=name_confidence(m.score),
            via=via,
            detail=f"{via} '{written}' ~ '{m.matched_name}' ({m.score:.0f})",
        )
        for m in matches
    ]


def _merge(hits: list[PayerHit]) -> tuple[PayerHit, ...]:
    """One hit per customer: independent signals combine (noisy-or), the best one speaks."""
    grouped: dict[str, list[PayerHit]] = {}
    for hit in hits:
        grouped.setdefault(hit.customer_id, []).append(hit)
    merged = []
    for customer_id, found in grouped.items():
        found.sort(key=lambda h: -h.confidence)
        doubt = 1.0
        for hit in {h.via: h for h in reversed(found)}.values():
            doubt *= 1.0 - hit.confidence
        confidence = min(0.99, max(found[0].confidence, 1.0 - doubt))
        detail = "; ".join(dict.fromkeys(h.detail for h in found))
        merged.append(
            PayerHit(customer_id=customer_id, confidence=round(confidence, 4), via=found[0].via, detail=detail)
        )
    merged.sort(key=lambda h: (-h.confidence, h.customer_id))
    return tuple(merged)


def gather_evidence(
    line: BankLine, *, index: MatchingIndex, balances: OpenBalances, config: MatchingConfig
) -> Evidence:
    collector = _Collector(index, balances)
    for source, text in _sources(line):
        collector.read(source, text)
    collector.truncated()
    payers = _merge(_payers(line, index, config, collector.accounts))
    likely = {p.customer_id for p in payers[:_NEAR_MISS_PAYERS] if p.confidence >= 0.8}
    scope = set().union(*(index.group_scope(c) for c in likely)) if likely else set()
    collector.near_misses(scope)
    refs = sorted(collector.refs.values(), key=lambda h: (-h.confidence, h.item_id))
    return Evidence(
        refs=tuple(refs),
        payers=payers,
        invalid_rf=tuple(collector.invalid_rf),
        unmatched=tuple(collector.unmatched),
    )
