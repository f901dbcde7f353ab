"""Company names as banks print them, matched to customers and their aliases.

A name is folded (upper case, no accents, no punctuation) and split into its core words
and its legal form: 'Hôtel Lefèvre S.A.S.' -> core 'HOTEL LEFEVRE', form 'SAS'. Candidates
come from an inverted index on core words (and on 4-letter word prefixes, for typos), the
rarest words first, then rapidfuzz scores them. A different legal form costs points:
'Transports de l'Ouest SAS' and '... SASU' are two customers.

>>> index = NameIndex()
>>> index.add("C1", "Quincaillerie Fontaine SA")
>>> index.add("C2", "Quincaillerie Fontaine SARL")
>>> index.add("C3", "Boulangerie Picard SAS")
>>> [(m.customer_id, round(m.score)) for m in index.lookup("QUINCAILLERIE FONTAINE SA")]
[('C1', 100), ('C2', 94)]
>>> split_company_name("Ets Hôtel Lefèvre S.A.S.")
('HOTEL LEFEVRE', 'SAS')
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from encours.core.matching.refs import fold

LEGAL_FORMS = frozenset(
    {
        "SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCI", "SCOP", "SCA", "SCS", "GIE", "SELARL",
        "SELAS", "SEL", "EI", "EIRL", "SEM", "SCM", "SCP", "GAEC", "EARL", "GMBH", "AG", "LTD",
        "LLC", "INC", "BV", "NV", "SL", "SRL", "SPA", "PLC",
    }
)  # fmt: skip
_NOISE_WORDS = frozenset(
    {
        "DE", "DU", "DES", "LA", "LE", "LES", "L", "D", "ET", "EN", "AU", "AUX", "ETS",
        "ETABLISSEMENTS", "STE", "SOCIETE", "CIE", "FILS", "GROUPE", "THE", "AND",
    }
)  # fmt: skip
# Words a bank or a payer puts around a name in a transfer: not part of the name.
PAYMENT_WORDS = frozenset(
    {
        "VIR", "VIREMENT", "VRT", "SEPA", "RECU", "EMIS", "PAIEMENT", "REGLEMENT", "REGLT",
        "RGLT", "FACTURE", "FACTURES", "FACT", "FAC", "REF", "REFERENCE", "NOTRE", "VOTRE",
        "MERCI", "INST", "INSTANTANE", "DE", "PAR", "ORDRE", "POUR", "COMPTE", "CPTE",
    }
)  # fmt: skip
_WORD = re.compile(r"[A-Z0-9]+")
_DOTTED_FORM = re.compile(r"\b((?:[A-Z]\.){2,4}[A-Z]?)(?=\s|$)")
_PREFIX_LENGTH = 4
_COMMON_WORD_POSTINGS = 400
_MAX_SCORED = 30
LEGAL_FORM_PENALTY = 6.0


@lru_cache(maxsize=131072)
def split_company_name(name: str) -> tuple[str, str]:
    """(core words, legal form) of a company name, both folded; the form is '' if absent."""
    folded = _DOTTED_FORM.sub(lambda m: m.group(1).replace(".", ""), fold(name))
    words = _WORD.findall(folded)
    forms = [w for w in words if w in LEGAL_FORMS]
    core = [w for w in words if w not in LEGAL_FORMS and w not in _NOISE_WORDS]
    if not core:
        core = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(core), forms[-1] if forms else ""


def name_score(query: tuple[str, str], candidate: tuple[str, str]) -> float:
    """0-100 likeness of two split names: the better of word-order-free similarity and
    word-subset similarity (discounted per missing or extra word), minus a legal-form
    disagreement."""
    query_core, query_form = query
    core, form = candidate
    query_words, words = set(query_core.split()), set(core.split())
    # a word of the customer's name the payer left out weighs more than one they added
    subset_penalty = 25.0 * len(words - query_words) + 5.0 * len(query_words - words)
    score = max(fuzz.token_sort_ratio(query_core, core), fuzz.token_set_ratio(query_core, core) - subset_penalty)
    if query_form and form and query_form != form:
        score -= LEGAL_FORM_PENALTY
    elif bool(query_form) != bool(form):
        score -= 1.0
    return max(0.0, float(score))


@dataclass(frozen=True, slots=True, kw_only=True)
class NameMatch:
    customer_id: str
    score: float
    matched_name: str


class NameIndex:
    """Customer names and aliases, searchable by a payer name."""

    def __init__(self) -> None:
        self._entries: list[tuple[str, tuple[str, str], str]] = []
        self._by_word: dict[str, set[int]] = defaultdict(set)
        self._by_prefix: dict[str, set[int]] = defaultdict(set)
        self._cache: dict[str, tuple[NameMatch, ...]] = {}

    def add(self, customer_id: str, name: str) -> None:
        split = split_company_name(name)
        if not split[0]:
            return
        entry = len(self._entries)
        words = frozenset(split[0].split())
        self._entries.append((customer_id, split, name))
        for word in words:
            self._by_word[word].add(entry)
            if len(word) >= _PREFIX_LENGTH:
                self._by_prefix[word[:_PREFIX_LENGTH]].add(entry)
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, name: str, *, min_score: float = 80.0, limit: int = 5) -> tuple[NameMatch, ...]:
        """Best customers for a payer name, best first, one match per customer."""
        key = f"{min_score}|{limit}|{name}"
        cached = self._cache.get(key)
        if cached is None:
            cached = self._lookup(name, min_score, limit)
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def _lookup(self, name: str, min_score: float, limit: int) -> tuple[NameMatch, ...]:
        query = split_company_name(name)
        if not query[0]:
            return ()
        best: dict[str, NameMatch] = {}
        for entry in self._candidates(query[0].split()):
            customer_id, split, original = self._entries[entry]
            score = name_score(query, split)
            if score >= min_score and (customer_id not in best or best[customer_id].score < score):
                best[customer_id] = NameMatch(customer_id=customer_id, score=score, matched_name=original)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.customer_id))
        return tuple(ranked[:limit])

    def _candidates(self, words: list[str]) -> list[int]:
        """Entries sharing the query's rarer words (a typo'd word by its first letters), a
        common word narrowing the pool rather than widening it; the entries sharing the
        most words are scored."""
        postings = []
        for word in set(words):
            exact = self._by_word.get(word)
            if exact:
                postings.append(exact)
            elif len(word) >= _PREFIX_LENGTH and word[:_PREFIX_LENGTH] in self._by_prefix:
                postings.append(self._by_prefix[word[:_PREFIX_LENGTH]])
        if not postings:
            return []
        postings.sort(key=len)
        pool: set[int] = set()
        for posting in postings:
            if len(posting) <= _COMMON_WORD_POSTINGS:
                pool |= posting
            elif not pool:
                pool = set(posting)
            elif len(pool) > _COMMON_WORD_POSTINGS:
                pool = (pool & posting) or pool
        if len(pool) <= _MAX_SCORED:
            return sorted(pool)
        # pre-rank a large pool in C: rapidfuzz over the core names, the best few scored fully
        entries = sorted(pool)
        ranked = process.extract(
            " ".join(words),
            [self._entries[e][1][0] for e in entries],
            scorer=fuzz.token_set_ratio,
            limit=_MAX_SCORED,
        )
        return [entries[position] for _choice, _score, position in ranked]

    def text_lookup(self, text: str, *, min_score: float = 80.0, limit: int = 3) -> tuple[NameMatch, ...]:
        """A name written inside a remittance text ('VIREMENT QUINCAILLERIE FONTAINE SA'):
        the text without payment words, looked up as a name."""
        words = [w for w in _WORD.findall(fold(text)) if w not in PAYMENT_WORDS and not any(c.isdigit() for c in w)]
        if not words:
            return ()
        return self.lookup(" ".join(words), min_score=min_score, limit=limit)
