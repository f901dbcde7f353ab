"""Invoice numbers as people type them in remittance texts, and RF creditor references.

An invoice number ``FA2026-01229`` is found as ``fa202601229``, ``FA 2026 01229``,
``2026-01229``, ``F2026/1229`` or ``FA2026-1229``, each spelling giving a strength: the
whole number (``exact``), its digits (``digits``), its digit groups without padding zeros
(``groups``). A group written with a leading zero keeps its length, so a truncated
``FA2026-012`` never reads as invoice ``FA2026-00012``.

>>> number_keys("FA2026-01229")
NumberKeys(compact='FA202601229', digits='202601229', groups=('2026', '1229'), raw_groups=('2026', '01229'))
>>> keys = {w.compact for w in reference_windows("Réglt fact. FA 2026 01229 + 01230")}
>>> "FA202601229" in keys, "FA202601230" in keys
(True, True)
>>> is_valid_rf("RF18 5390 0754 7034"), is_valid_rf("RF19 5390 0754 7034")
(True, False)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from stdnum import iso11649

from encours.core.errors import ValidationFailed

_TOKEN = re.compile(r"[A-Z0-9]+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_SIMPLE_NUMBER = re.compile(r"([A-Z]*)([0-9]+)(?:[-/ .]([0-9]+))?\Z")
_GAP = re.compile(r"^[\s\-/._:#°+]{0,3}$")
_DIGITS = re.compile(r"\d+")
_RF = re.compile(r"RF\d{2}[A-Z0-9]{1,21}")
_MAX_RUN = 12
_MAX_WINDOW = 4
_MAX_PREFIX_LETTERS = 5


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def fold(text: str) -> str:
    """Upper case without accents: 'Réglt Hôtel' -> 'REGLT HOTEL'."""
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def compact(text: str) -> str:
    """Letters and digits only, folded: 'fa 2026-01229' -> 'FA202601229'."""
    if text.isascii() and text.isalnum():
        return text.upper()
    return _NOT_ALNUM.sub("", fold(text))


class NumberKeys(NamedTuple):
    compact: str
    digits: str
    groups: tuple[str, ...]
    raw_groups: tuple[str, ...]


@lru_cache(maxsize=262144)
def number_keys(number: str) -> NumberKeys:
    simple = _SIMPLE_NUMBER.match(number)
    if simple is None:
        return general_number_keys(number)
    # the usual shape, 'FA2026-01229': no accent nor odd character, one quick regex
    letters, first, second = simple.group(1), simple.group(2), simple.group(3) or ""
    raw = (first, second) if second else (first,)
    stripped = tuple([g.lstrip("0") or "0" for g in raw])
    return NumberKeys(letters + first + second, first + second, stripped, raw)


def general_number_keys(number: str) -> NumberKeys:
    folded = fold(number)
    raw_groups = tuple(_DIGITS.findall(folded))
    return NumberKeys(
        _NOT_ALNUM.sub("", folded),
        "".join(raw_groups),
        tuple([g.lstrip("0") or "0" for g in raw_groups]),
        raw_groups,
    )


def groups_compatible(written: tuple[str, ...], item_raw: tuple[str, ...]) -> bool:
    """A written group with a leading zero kept its padding, so it must match exactly;
    one of 3 digits or more without may have dropped the padding ('1229' for '01229')."""
    if len(written) != len(item_raw):
        return False
    for mine, theirs in zip(written, item_raw, strict=True):
        if mine == theirs:
            continue
        # padding dropped: only from a group of at least 3 digits ('1229' for '01229')
        if mine.startswith("0") or len(mine) < 3 or mine != theirs.lstrip("0"):
            return False
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """Consecutive reference-like tokens of a text, as one candidate reference."""

    text: str
    compact: str
    digits: str
    raw_groups: tuple[str, ...]
    letters: str
    at_text_end: bool
    maximal: bool
    run_letters: str = ""

    @property
    def prefix_shaped(self) -> bool:
        """Letters only before the digits ('FA2026...', '2026...'), as invoice numbers are."""
        return len(self.letters) <= _MAX_PREFIX_LETTERS and self.compact.startswith(self.letters)


def _reference_like(token: str, following: str | None) -> bool:
    if any(c.isdigit() for c in token):
        return True
    # a short letter prefix written apart from its digits: 'FA 2026 01229', 'N° 1229'
    return len(token) <= _MAX_PREFIX_LETTERS and following is not None and following[:1].isdigit()


def _runs(text: str) -> list[list[re.Match[str]]]:
    tokens = list(_TOKEN.finditer(text))
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1].group(0) if i + 1 < len(tokens) else None
        joined = current and _GAP.match(text[current[-1].end() : token.start()])
        letters_only = token.group(0).isalpha()
        # letters start a reference ('FA 2026'), never continue one ('FA2026-01229 DU 07/08')
        if (
            not _reference_like(token.group(0), following)
            or (current and not joined)
            or (current and letters_only)
            or len(current) >= _MAX_RUN
        ):
            if current:
                runs.append(current)
            current = []
        if _reference_like(token.group(0), following):
            current.append(token)
    if current:
        runs.append(current)
    return runs


def _window(
    text: str, parts: list[re.Match[str]], *, end_of_text: bool, maximal: bool, run_letters: str = ""
) -> Window:
    joined = "".join(p.group(0) for p in parts)
    raw_groups = tuple(g for p in parts for g in _DIGITS.findall(p.group(0)))
    letters = "".join(c for c in joined if not c.isdigit())
    return Window(
        text=text[parts[0].start() : parts[-1].end()],
        compact=joined,
        digits="".join(raw_groups),
        raw_groups=raw_groups,
        letters=letters,
        at_text_end=end_of_text,
        maximal=maximal,
        run_letters=letters or run_letters,
    )


def reference_windows(text: str) -> tuple[Window, ...]:
    """Every candidate reference of a text: contiguous token windows of each run, plus the
    run's head joined to each later group ('FA2026-01229/1230' also gives 'FA2026 1230')."""
    folded = fold(text)
    stripped_end = len(folded.rstrip(" .,;:/-"))
    windows: dict[str, Window] = {}
    for run in _runs(folded):
        run_ends_text = run[-1].end() >= stripped_end
        # the letters heading the run ('F' of 'F 2026/5699') still speak for its later windows
        prefix = "".join(c for c in run[0].group(0) if not c.isdigit())
        for start in range(len(run)):
            for size in range(1, min(_MAX_WINDOW, len(run) - start) + 1):
                last = start + size == len(run)
                window = _window(
                    folded,
                    run[start : start + size],
                    end_of_text=last and run_ends_text,
                    maximal=size == len(run),
                    run_letters=prefix,
                )
                if window.digits == "":
                    continue  # letters alone name no number
                known = windows.get(window.compact)
                if known is None or (window.at_text_end and not known.at_text_end):
                    windows[window.compact] = window
        for window in _shorthand_windows(folded, run, prefix):
            windows.setdefault(window.compact, window)
    return tuple(windows.values())


def _shorthand_windows(folded: str, run: list[re.Match[str]], prefix: str) -> list[Window]:
    """A list shortened to its last groups keeps their length: 'FA2026-01229/01230' also
    names 'FA2026-01230'."""
    found = []
    for start in range(len(run)):
        for head_size in (1, 2):
            head = run[start : start + head_size]
            if len(head) < head_size or start + head_size >= len(run):
                continue
            if not any(c.isdigit() for c in head[-1].group(0)):
                continue
            width = len(run[start + head_size].group(0))
            for later in run[start + head_size + 1 :]:
                if later.group(0).isdigit() and len(later.group(0)) == width:
                    found.append(_window(folded, [*head, later], end_of_text=False, maximal=False, run_letters=prefix))
    return found


def is_valid_rf(reference: str) -> bool:
    """ISO 11649 creditor reference: 'RF', two check digits, up to 21 characters (mod 97)."""
    return bool(iso11649.is_valid(compact(reference)))


def rf_references(text: str) -> tuple[tuple[str, bool], ...]:
    """RF references written in a text (spaces allowed), each with its checksum verdict."""
    found = []
    folded = fold(text)
    for match in re.finditer(r"RF\s?\d{2}(?:\s?[A-Z0-9]{1,4}){1,6}", folded):
        candidate = compact(match.group(0))
        rf = _RF.match(candidate)
        if rf:
            found.append((rf.group(0), is_valid_rf(rf.group(0))))
    return tuple(found)


def rf_for(reference_body: str) -> str:
    """The RF creditor reference carrying a body (an invoice number): 'RF' + check digits + body."""
    body = compact(reference_body)
    if not body or len(body) > 21:
        raise ValidationFailed(f"an RF reference body has 1 to 21 letters or digits, not {reference_body!r}")
    # ISO 11649: body + "RF00", letters as 10..35, check digits = 98 - (that mod 97)
    numeric = "".join(str(int(c, 36)) for c in body + "RF00")
    return f"RF{98 - int(numeric) % 97:02d}{body}"
