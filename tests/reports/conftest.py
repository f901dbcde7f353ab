"""Fixtures of the reports tests: a clean cache (sector figures are cached; the contract slots are
restored after each test by tests/conftest.py), and a small helper to write ledgers by hand."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def book(entity):
    from tests.reports.factories import Book

    return Book(entity)
