"""In a real Chromium: the API docs render with the network cut off, and every page of the site
works under the Content-Security-Policy (the ``page`` fixture fails a test on any violation)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_in_chromium_with_the_network_cut_off(page):
    """Every request that does not go to the live server is aborted: the docs must not need it."""
    outside: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith((page.base_url, "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{page.base_url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/customers" in [text.replace("\u200b", "") for text in operations]
    assert outside == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_page_works_in_chromium_under_the_policy(page, entity):
    """Each page of the site, as an admin: no CSP violation (the page fixture fails on any), no script error."""
    from encours.accounts.models import Role
    from tests.e2e.conftest import login
    from tests.factories import UserFactory
    from tests.security.test_params import book_for_walk, page_urls

    admin = UserFactory(username="root", role=Role.ADMIN, entities=[entity], is_superuser=True, is_staff=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    login(page, admin.username)
    downloads = re.compile(r"export|\.(csv|xlsx|pdf)$|/(pdf|download)/$")
    urls = [url for url in page_urls(book_for_walk(entity)) if not downloads.search(url)]
    shown = []
    for url in urls:
        if page.request.get(f"{page.base_url}{url}", max_redirects=0).status != 200:
            continue  # POST-only actions (405), redirections
        page.goto(f"{page.base_url}{url}")
        page.wait_for_load_state("networkidle")
        shown.append(url)
    assert len(shown) > 30 and errors == []
