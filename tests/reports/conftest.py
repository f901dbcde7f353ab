"""Fixtures of the reports tests: a clean cache (sector figures are cached), provider registry
restored after each test, and a small helper to write ledgers by hand."""

from __future__ import annotations

import copy

import pytest


@pytest.fixture(autouse=True)
def _clean_cache_and_registry():
    from django.core.cache import cache

    from encours.reports import registry

    cache.clear()
    saved = copy.copy(registry.providers.__dict__)
    saved["last_actions"] = list(registry.providers.last_actions)
    saved["alerts"] = list(registry.providers.alerts)
    yield
    registry.providers.__dict__.update(saved)
    cache.clear()


@pytest.fixture
def book(entity):
    from tests.reports.factories import Book

    return Book(entity)
