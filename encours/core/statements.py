"""A buyer's yearly accounts as plain values, and the parser of statement files.

Every amount is optional: ``None`` means not known, and is never read as zero.

>>> statements, errors = parse_statement_rows(
...     [{"siren": "732829320", "year": "2025", "total_assets": "1 000", "equity": "-12,5"},
...      {"siren": "123", "year": "2025", "revenue": "abc"}]
... )
>>> statements[0].equity, statements[0].revenue
(Decimal('-12.5'), None)
>>> [str(e) for e in errors]  # doctest: +NORMALIZE_WHITESPACE
["line 3, column siren: '123' invalid SIREN: The number has an invalid length.",
 "line 3, column revenue: 'abc' not a number: 'abc'"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from encours.core.bounds import figure_problem
from encours.core.errors import InvalidAmount, RowError
from encours.core.identifiers import siren_error
from encours.core.money import D

_YEAR = re.compile(r"[0-9]{4}")
_CURRENCY = re.compile(r"[A-Z]{3}")
AMOUNT_FIELDS: tuple[str, ...] = (
    "total_assets", "current_assets", "inventories", "cash", "equity", "long_term_debt",
    "total_debt", "financial_debt", "current_liabilities", "retained_earnings", "revenue",
    "value_added", "ebitda", "ebit", "financial_expenses", "personnel_expenses", "net_income",
    "pge_outstanding",
)  # fmt: skip
# Balance-sheet and income-statement items that cannot be negative in French accounts.
NON_NEGATIVE_FIELDS = frozenset(
    {"total_assets", "current_assets", "inventories", "cash", "long_term_debt", "total_debt",
     "financial_debt", "current_liabilities", "revenue", "financial_expenses",
     "personnel_expenses", "pge_outstanding"}
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class FinancialStatement:
    """One year of a buyer's accounts; ``None`` means the figure is not known (never zero)."""

    siren: str
    year: int
    currency: str = "EUR"
    total_assets: Decimal | None = None
    current_assets: Decimal | None = None
    inventories: Decimal | None = None
    cash: Decimal | None = None
    equity: Decimal | None = None
    long_term_debt: Decimal | None = None
    total_debt: Decimal | None = None
    financial_debt: Decimal | None = None
    current_liabilities: Decimal | None = None
    retained_earnings: Decimal | None = None
    revenue: Decimal | None = None
    value_added: Decimal | None = None
    ebitda: Decimal | None = None
    ebit: Decimal | None = None
    financial_expenses: Decimal | None = None
    personnel_expenses: Decimal | None = None
    net_income: Decimal | None = None
    pge_outstanding: Decimal | None = None

    def amount(self, name: str) -> Decimal | None:
        value: Decimal | None = getattr(self, name)
        return value


def parse_statement_rows(
    rows: Iterable[Mapping[str, str | None]], *, first_line: int = 2
) -> tuple[tuple[FinancialStatement, ...], tuple[RowError, ...]]:
    """Statements from CSV-like rows (header names = field names); empty cells are missing data."""
    statements: list[FinancialStatement] = []
    errors: list[RowError] = []
    seen: set[tuple[str, int]] = set()
    for line, row in enumerate(rows, start=first_line):
        statement, row_errors = _parse_statement_row(row, line)
        if statement is not None and (statement.siren, statement.year) in seen:
            row_errors.append(
                RowError(line=line, column="year", value=str(statement.year), reason="duplicate siren and year")
            )
        if row_errors:
            errors += row_errors
        elif statement is not None:
            seen.add((statement.siren, statement.year))
            statements.append(statement)
    return tuple(statements), tuple(errors)


def _parse_statement_row(row: Mapping[str, str | None], line: int) -> tuple[FinancialStatement | None, list[RowError]]:
    errors: list[RowError] = []
    siren = (row.get("siren") or "").replace(" ", "").strip()
    problem = siren_error(siren) if siren else "missing SIREN"
    if problem:
        errors.append(RowError(line=line, column="siren", value=siren, reason=problem))
    year_text = (row.get("year") or "").strip()
    year = int(year_text) if _YEAR.fullmatch(year_text) else 0
    if not 1900 <= year <= 2200:
        errors.append(RowError(line=line, column="year", value=year_text, reason="year must be a four-digit year"))
    amounts: dict[str, Decimal | None] = {}
    for name in AMOUNT_FIELDS:
        text = (row.get(name) or "").strip()
        try:
            amounts[name] = D(text) if text else None
        except InvalidAmount as exc:
            errors.append(RowError(line=line, column=name, value=text, reason=str(exc)))
            continue
        value = amounts[name]
        problem = None if value is None else figure_problem(name, value, non_negative=name in NON_NEGATIVE_FIELDS)
        if problem:
            amounts[name] = None
            errors.append(RowError(line=line, column=name, value=text, reason=problem))
    currency = (row.get("currency") or "EUR").strip().upper() or "EUR"
    if not _CURRENCY.fullmatch(currency):
        errors.append(
            RowError(line=line, column="currency", value=currency, reason="not an ISO 4217 code (three letters)")
        )
    if errors:
        return None, errors
    return FinancialStatement(siren=siren, year=year, currency=currency, **amounts), errors
