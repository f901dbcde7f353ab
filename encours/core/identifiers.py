"""French and European identifiers, checked with python-stdnum and schwifty.

>>> is_valid_siren("732829320")
True
>>> normalize_naf("47.11d")
'47.11D'
"""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat
from stdnum.fr import siren, siret

_NAF = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


def is_valid_siren(value: str) -> bool:
    return siren.is_valid(value)


def siren_error(value: str) -> str | None:
    try:
        siren.validate(value)
    except stdnum_errors.ValidationError as exc:
        return f"invalid SIREN: {exc}"
    return None


def siret_error(value: str) -> str | None:
    try:
        siret.validate(value)
    except stdnum_errors.ValidationError as exc:
        return f"invalid SIRET: {exc}"
    return None


def vat_error(value: str) -> str | None:
    try:
        vat.validate(value)
    except stdnum_errors.ValidationError as exc:
        return f"invalid VAT number: {exc}"
    return None


def iban_error(value: str) -> str | None:
    try:
        IBAN(value)
    except SchwiftyException as exc:
        return f"invalid IBAN: {exc}"
    return None


def normalize_iban(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def normalize_naf(value: str) -> str:
    """'4711D', '47.11d' -> '47.11D' (the INSEE spelling)."""
    match = _NAF.match(value.strip().upper())
    if not match:
        raise ValueError(f"invalid NAF code {value!r} (expected like 47.11D)")
    return f"{match[1]}.{match[2]}{match[3]}"


def naf_division(naf_code: str) -> str:
    """The NAF division (two digits), the level sector averages are computed at."""
    return naf_code[:2]
