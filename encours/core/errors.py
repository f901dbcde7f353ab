"""The project's one exception family, and the error value parsers return.

Parsers never raise on bad rows: they return ``(rows, errors)`` where each error is a
``RowError`` naming the line, the column, the value and the reason. Services raise an
``EncoursError`` subclass that views turn into a message.
"""

from __future__ import annotations

from dataclasses import dataclass


class EncoursError(Exception):
    """Base of every error the product raises on purpose."""


class InvalidAmount(EncoursError):
    pass


class InvalidFile(EncoursError):
    """A whole file is unusable (wrong format, wrong encoding, no header...)."""

    def __init__(self, message: str, *, errors: tuple[RowError, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


class ImportRejected(EncoursError):
    """A file had row errors: nothing was written."""

    def __init__(self, errors: tuple[RowError, ...] | list[RowError]) -> None:
        self.errors = tuple(errors)
        first = "; ".join(str(e) for e in self.errors[:3])
        more = f" (+{len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        super().__init__(f"{len(self.errors)} error(s), nothing imported: {first}{more}")


class PermissionDenied(EncoursError):
    pass


class InvalidTransition(EncoursError):
    pass


class ValidationFailed(EncoursError):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class RowError:
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        shown = f" {self.value!r}" if self.value else ""
        return f"{where}:{shown} {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}
