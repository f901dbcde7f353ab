from __future__ import annotations

import pytest

from tests.conftest import chromium_path, need


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    need(path is not None, "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


def csp_violations(page) -> list[str]:
    """Collect what the page's Content-Security-Policy refused (Chromium reports it on the console)."""
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    return refused


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab on the live server; any CSP violation on any page fails the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    refused = csp_violations(page)
    yield page
    context.close()
    assert refused == [], f"Content-Security-Policy violations: {sorted(set(refused))[:3]}"


def login(page, username: str, password: str = "secret-pass-123") -> None:
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
