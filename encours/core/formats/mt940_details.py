"""The MT940 ``:86:`` information to the account owner, in the three shapes banks send.

German structured subfields (``166?00GUTSCHRIFT?20EREF+...?32Name``: Sparkassen, Volksbanken,
Commerzbank, Deutsche Bank; Triodos writes ``>`` for ``?``), SWIFT slash codes
(``/EREF/.../ORDP//NAME/ACME/REMI/USTD//invoice 12/``: ING, Rabobank, ABN AMRO's
``/TRTP/``) and free text, French banks labelling parts (``DE: ACME MOTIF: FACTURE 12``),
Knab in Dutch (``REK: NL65INGB... /NAAM: PICQER``). Lines of a structured field are hard
wrapped at 65 characters, so they are joined without a space.

>>> raw = "166?00GUTSCHRIFT?20EREF+E2E-1?21SVWZ+FA2026-0122?229 merci?31DE42100100100043921105?32ACME GMBH"
>>> d = parse_details(raw)
>>> d.business_code, d.end_to_end_id, d.remittance, d.iban, d.name
('166', 'E2E-1', 'FA2026-01229 merci', 'DE42100100100043921105', 'ACME GMBH')
>>> parse_details("/EREF/E2E-9/ORDP//NAME/ACME SA/REMI/USTD//FACTURE F2026/1229/").remittance
'FACTURE F2026/1229'
>>> d = parse_details("FACTUUR 201403110 REK: NL65INGB0123456789/NAAM: PICQER")
>>> d.remittance, d.iban, d.name
('FACTUUR 201403110', 'NL65INGB0123456789', 'PICQER')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import iban as stdnum_iban

from encours.core.formats.bank import clean_reference
from encours.core.identifiers import normalize_iban

_LINE_WIDTH = 65
_GERMAN = re.compile(r"^(\d{3})([?>])(\d{2})")
_SEPA_KEYWORD = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT|PURP)\+")
_PURPOSE_CODES = frozenset({*range(20, 30), *range(60, 64)})
_SLASH_CODES = (
    "TRTP|EREF|KREF|PREF|IREF|MARF|CSID|CNTP|ORDP|BENM|REMI|PURP|RTRN|ULTD|ULTB|NAME|IBAN|BIC|ADDR|ID|TRCD|ISDT"
)
_SLASH_CODE = re.compile(rf"/({_SLASH_CODES})/")
_FRENCH_LABEL = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(DONNEUR D'ORDRE|EMETTEUR|DE|NOM|ORDRE|MOTIF|LIBELLE|LIB|REFERENCE|REF|OBJET|INFO|IBAN|BIC|EREF"
    r"|NAAM|REK|OMSCHRIJVING)"
    r"\s*:\s*",
    re.IGNORECASE,
)
_FRENCH_NAME = frozenset({"DONNEUR D'ORDRE", "EMETTEUR", "DE", "NOM", "ORDRE", "NAAM"})
_FRENCH_TEXT = frozenset({"MOTIF", "LIBELLE", "LIB", "REFERENCE", "REF", "OBJET", "INFO", "OMSCHRIJVING"})
_STARTS_LABEL = re.compile(r"^(?:/[A-Z]{2,4}/|[A-Z' ]{2,20}\s*:)")
_IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b")


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionDetails:
    business_code: str = ""
    posting_text: str = ""
    name: str = ""
    iban: str = ""
    bic: str = ""
    remittance: str = ""
    end_to_end_id: str = ""
    customer_reference: str = ""
    mandate_reference: str = ""
    creditor_reference: str = ""
    ultimate_name: str = ""


def parse_details(raw: str) -> TransactionDetails:
    text = raw.replace("\r", "")
    compact = text.replace("\n", "")
    if _GERMAN.match(compact):
        return _german(compact)
    if _SLASH_CODE.match(compact):
        return _slash_coded(compact)
    return _free_text(_join_free_lines(text))


def _squash(text: str) -> str:
    return " ".join(text.split())


def _join_free_lines(text: str) -> str:
    """A 65-character line was wrapped mid-word; a shorter one ended where its writer wanted."""
    parts: list[str] = []
    previous_length = 0
    for line in text.split("\n"):
        if parts and previous_length >= _LINE_WIDTH and not _STARTS_LABEL.match(line):
            parts[-1] += line
        else:
            parts.append(line)
        previous_length = len(line)
    return _squash(" ".join(parts))


def _german(text: str) -> TransactionDetails:
    match = _GERMAN.match(text)
    assert match is not None
    code, separator = match.group(1), match.group(2)
    pieces = re.split(re.escape(separator) + r"(\d{2})", text[len(code) :])
    fields: dict[int, str] = {}
    for number, value in zip(pieces[1::2], pieces[2::2], strict=False):
        fields[int(number)] = fields.get(int(number), "") + value
    purpose = "".join(fields[n] for n in sorted(fields) if n in _PURPOSE_CODES)
    keywords = _sepa_keywords(purpose)
    free = keywords.pop("", "")
    remittance = keywords.get("SVWZ") or (free if keywords else purpose)
    account = fields.get(31, "").replace(" ", "").upper()
    return TransactionDetails(
        business_code=code,
        posting_text=_squash(fields.get(0, "")),
        name=_squash(fields.get(32, "") + fields.get(33, "")),
        iban=normalize_iban(account) if stdnum_iban.is_valid(account) else account,
        bic=_squash(fields.get(30, "")),
        remittance=_squash(remittance),
        end_to_end_id=clean_reference(keywords.get("EREF")),
        customer_reference=clean_reference(keywords.get("KREF")),
        mandate_reference=clean_reference(keywords.get("MREF")),
        ultimate_name=_squash(keywords.get("ABWA", "")),
    )


def _sepa_keywords(purpose: str) -> dict[str, str]:
    found: dict[str, str] = {}
    matches = list(_SEPA_KEYWORD.finditer(purpose))
    if not matches:
        return found
    found[""] = purpose[: matches[0].start()].strip()
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(purpose)
        found.setdefault(match.group(1), purpose[match.end() : end].strip())
    return found


def _slash_coded(text: str) -> TransactionDetails:
    values: dict[str, str] = {}
    matches = list(_SLASH_CODE.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        values.setdefault(match.group(1), text[match.end() : end].strip("/ "))
    counterparty = values.get("CNTP", "").split("/")
    name = values.get("NAME") or (counterparty[2] if len(counterparty) > 2 else "")
    account = (values.get("IBAN") or counterparty[0]).replace(" ", "").upper()
    remittance, reference = _slash_remittance(values.get("REMI", ""))
    return TransactionDetails(
        name=_squash(name),
        iban=normalize_iban(account) if stdnum_iban.is_valid(account) else account,
        bic=values.get("BIC") or (counterparty[1] if len(counterparty) > 1 else ""),
        remittance=_squash(remittance),
        end_to_end_id=clean_reference(values.get("EREF")),
        customer_reference=clean_reference(values.get("KREF") or values.get("PREF")),
        mandate_reference=clean_reference(values.get("MARF")),
        creditor_reference=reference,
        ultimate_name=_squash(values.get("ULTD", "").split("/")[0]),
    )


def _slash_remittance(value: str) -> tuple[str, str]:
    """'USTD//text' is free text; 'STRD/CUR/RF18...' or 'STRD/ISO/RF18...' a creditor reference."""
    if value.startswith("USTD"):
        return value[4:].lstrip("/"), ""
    if value.startswith("STRD"):
        parts = [p for p in value[4:].split("/") if p]
        reference = parts[-1] if parts else ""
        return reference, reference
    return value, ""


def _free_text(text: str) -> TransactionDetails:
    labels = list(_FRENCH_LABEL.finditer(text))
    iban = _find_iban(text)
    if not labels:
        return TransactionDetails(remittance=text, iban=iban)
    name, remittance, bic = "", [], ""
    for i, match in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        label, value = match.group(1).upper(), text[match.end() : end].strip(" /")
        if label in _FRENCH_NAME and not name:
            name = value
        elif label in _FRENCH_TEXT:
            remittance.append(value)
        elif label in ("IBAN", "REK"):
            iban = iban or _find_iban(value) or normalize_iban(value)
        elif label == "BIC":
            bic = value
        elif label == "EREF":
            remittance.append(value)
    leading = text[: labels[0].start()].strip(" /")
    if not any(remittance):  # no purpose label: what comes before the labels is the purpose
        return TransactionDetails(name=name, iban=iban, bic=bic, remittance=leading)
    return TransactionDetails(
        posting_text=leading,
        name=name,
        iban=iban,
        bic=bic,
        remittance=" ".join(p for p in remittance if p),
    )


def _find_iban(text: str) -> str:
    for match in _IBAN_LIKE.finditer(text.upper()):
        candidate = match.group(0).replace(" ", "")
        if stdnum_iban.is_valid(candidate):
            return candidate
    return ""
