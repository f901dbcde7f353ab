"""Errors of the forecast package, all in the project's ``EncoursError`` family.

>>> issubclass(InsufficientHistory, EncoursError) and issubclass(InvalidModel, EncoursError)
True
"""

from __future__ import annotations

from encours.core.errors import EncoursError


class InsufficientHistory(EncoursError):
    """Too few paid invoices on one side of the time split to train or to evaluate."""


class InvalidModel(EncoursError):
    """Stored model bytes that are not ours, are corrupt, or were made by another version."""
