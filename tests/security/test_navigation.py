"""Role-aware navigation: what a page offers, the role may do.

For every demo role, every entry of the role's main menu is opened, and every link, tab, htmx call and
form in its HTML (same site) is followed — and so are the links of the pages reached that way, three
clicks deep from the menu (a customer's panels included). None may answer 403 (nor fail): a tab, a
button or a form the role cannot use must not be shown. Forms are submitted empty (a POST in a
transaction rolled back after it, like the matrix's); each URL pattern is tried once per role and
method. Templates ask rights through the ``can`` context variable (``encours.web.navigation``); a test
keeps its names equal to the rules' actions.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from encours.accounts.permissions import CAPABILITIES
from encours.web.navigation import capability_names, menu
from tests.security.test_matrix import TALLY, ask, clients, world  # noqa: F401
from tests.security.world import PERSONAS

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = ("/logout/", "/i18n/setlang/", "/static/", "/media/", "/admin/")  # doors, files, Django's admin
STEPS = 3  # the menu's pages and three clicks beyond


class Targets(HTMLParser):
    """(method, url) of every link, form and htmx call of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.form_method = "GET"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in values:
            self.found.append(("GET", values["href"]))
        if tag == "form":
            self.form_method = values.get("method", "get").upper()
            self.found.append((self.form_method, values.get("action", "")))
        if tag in ("button", "input") and "formaction" in values:
            self.found.append((values.get("formmethod", self.form_method).upper(), values["formaction"]))
        for method in ("get", "post", "patch", "delete"):
            if f"hx-{method}" in values:
                self.found.append((method.upper(), values[f"hx-{method}"]))


def targets(html: str, page: str) -> list[tuple[str, str]]:
    parser = Targets()
    parser.feed(html)
    found = []
    for method, href in parser.found:
        if href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urlsplit(urljoin("http://testserver" + page, href))
        if url.netloc != "testserver" or url.path.startswith(SKIPPED):
            continue
        found.append((method, url.path + (f"?{url.query}" if url.query else "")))
    return found


def pattern_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return None


def menu_pages(user) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    return [entry["url"] for entry in menu(request)["menu"]]


def crawl(client, user) -> tuple[list[str], int]:
    """Follow the role's menu three clicks deep; return what answered 403 or failed, and how many were asked."""
    wrong: list[str] = []
    seen: set[tuple[str, str | None]] = set()
    frontier = [("GET", url, "the menu") for url in menu_pages(user)]
    asked = 0
    for step in range(STEPS + 1):
        following = []
        for method, url, origin in frontier:
            key = (method, pattern_of(url) or url)
            if key in seen:
                continue
            seen.add(key)
            status, _, _ = ask(client, method, url)
            asked += 1
            if status == 403 or status >= 500:
                wrong.append(f"{method} {url} (from {origin}): {status}")
            if method != "GET" or status != 200 or step == STEPS:
                continue
            response = client.get(url)
            if "text/html" in response.get("Content-Type", ""):
                following += [(m, target, url) for m, target in targets(response.content.decode(), url)]
        frontier = following
    return wrong, asked


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_nothing_a_role_is_offered_refuses_it(persona, world, clients):  # noqa: F811
    wrong, asked = crawl(clients[persona], world.users[persona])
    TALLY["navigation requests"] += asked
    assert asked > 10, "the crawl reached too few pages"
    assert not wrong, f"{persona} is offered what refuses it:\n" + "\n".join(sorted(wrong))


CAN_IN_TEMPLATE = re.compile(r"\bcan\.([a-z_]+)")


def test_templates_ask_only_rights_that_exist():
    names = capability_names()
    assert set(names.values()) == set(CAPABILITIES)
    used = {
        (path.relative_to(ROOT), match.group(1))
        for path in (ROOT / "encours").rglob("templates/**/*.html")
        for match in CAN_IN_TEMPLATE.finditer(path.read_text(encoding="utf-8"))
    }
    assert used, "no template asks the can variable"
    assert sorted(f"{path}: can.{name}" for path, name in used if name not in names) == []
