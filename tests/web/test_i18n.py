"""French is the default language and its catalog is complete; English is one click away."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.urls import reverse

PACKAGE = Path(__file__).resolve().parents[2] / "encours"
# the project catalog, then one per app that keeps its own (see scripts/makemessages.sh)
CATALOGS = sorted(PACKAGE.glob("**/locale/fr/LC_MESSAGES/django.po"))


def test_there_is_a_project_catalog():
    assert PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po" in CATALOGS


@pytest.mark.parametrize("catalog_path", CATALOGS, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_every_french_catalog_has_no_untranslated_or_fuzzy_entry(catalog_path):
    catalog = polib.pofile(str(catalog_path))
    missing = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert (missing, fuzzy) == ([], [])


@pytest.mark.django_db
def test_pages_are_french_by_default_even_for_an_english_browser(client, credit_manager):
    client.force_login(credit_manager)
    html = client.get(reverse("ledger:customers"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "<h1>Clients</h1>" in html and 'lang="fr"' in html


@pytest.mark.django_db
def test_switching_to_english_is_remembered(client, credit_manager):
    client.force_login(credit_manager)
    client.post(reverse("set_language"), {"language": "en", "next": "/customers/"})
    html = client.get(reverse("ledger:customers")).content.decode()
    assert "<h1>Customers</h1>" in html and 'lang="en"' in html
