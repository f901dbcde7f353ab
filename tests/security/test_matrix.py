"""The authorization matrix, generated from the URL conf and the OpenAPI schema (see tests/security/matrix.py).

Every URL pattern and every API operation must have an entry (a new one without fails here); each
entry is tried by every demo role and anonymously, with GET, POST, PATCH and DELETE, on an object
inside and one outside the role's scope. The portfolio is built once per module; each request runs in
a transaction rolled back after it, and a refused write must not have changed a single row (the
database's own change counter: SQLite ``total_changes()``, PostgreSQL ``pg_stat_xact_user_tables``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from encours.accounts.permissions import can
from tests.security.matrix import ANY, API, PAGES, READ
from tests.security.world import JOB_KINDS, PERSONAS, build

METHODS = ("GET", "POST", "PATCH", "DELETE")
APART = {"login", "logout", "set_language"}  # the doors in and out, checked in test_doors
MISSING_ID = 987654321
TALLY: Counter[str] = Counter()


def url_patterns(patterns: Any = None, prefix: str = "", namespace: str = "") -> list[tuple[str, str, URLPattern]]:
    """(route, namespaced name, pattern) of every URL pattern of the project."""
    rows = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            rows += url_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            rows.append((prefix + str(entry.pattern), f"{namespace}:{entry.name}".strip(":"), entry))
    return rows


def page_patterns() -> dict[str, str]:
    return {name: route for route, name, _ in url_patterns() if not route.startswith(("admin/", "api/v1/"))}


def api_operations() -> set[tuple[str, str]]:
    from encours.api.urls import api

    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), "/api/v1" + path.removeprefix("/api/v1")) for path, ops in paths.items() for method in ops}


def test_every_url_pattern_has_an_entry():
    names = set(page_patterns())
    assert sorted(names - set(PAGES)) == [], "add these URL names to tests/security/matrix.py PAGES"
    assert sorted(set(PAGES) - names) == [], "these PAGES entries name no URL pattern any more"


def test_every_api_operation_has_an_entry():
    operations = api_operations()
    assert sorted(operations - set(API)) == [], "add these operations to tests/security/matrix.py API"
    assert sorted(set(API) - operations) == [], "these API entries name no operation any more"


# ---------------------------------------------------------------- the shared portfolio


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    with django_db_blocker.unblock(), transaction.atomic():
        media, settings.MEDIA_ROOT = settings.MEDIA_ROOT, str(tmp_path_factory.mktemp("matrix-media"))
        built = build()
        built.media_root = settings.MEDIA_ROOT
        yield built
        settings.MEDIA_ROOT = media
        transaction.set_rollback(True)


@pytest.fixture
def clients(world, monkeypatch, settings):
    """One logged-in client per persona (None: anonymous); background jobs are recorded, not run."""
    import encours.jobs.services

    monkeypatch.setattr(encours.jobs.services, "job_execute", lambda job_id: None)
    settings.MEDIA_ROOT = world.media_root
    found: dict[str | None, Client] = {None: Client(raise_request_exception=False)}
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)
        client.force_login(world.users[persona])
        found[persona] = client
    return found


def changes() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
                "WHERE relname <> 'django_session'"
            )
        return int(cursor.fetchone()[0])


def ask(client: Client, method: str, url: str, body: Any = None, **headers: str) -> tuple[int, str, int]:
    """(status, redirect location, rows changed) of one request, rolled back after it."""
    before = changes()
    with transaction.atomic():
        if method == "POST" and body is None:
            response = client.post(url, {}, **headers)
        else:
            data = json.dumps(body) if body is not None else ""
            response = client.generic(method, url, data, content_type="application/json", **headers)
        after = changes()
        transaction.set_rollback(True)
    return response.status_code, response.get("Location", ""), after - before


# ---------------------------------------------------------------- scope oracles


def visible(kind: str, user: Any) -> Any:
    """The objects of a kind that the user's scope holds (the selectors are the scoping rules)."""
    from django.db.models import Q

    from encours.cash.selectors import accounts_for, lines_for, statements_for
    from encours.collections.models import DunningMessage, DunningRun, DunningScenario, DunningStep, DunningText
    from encours.disputes.committees import committees_for
    from encours.disputes.models import Attachment
    from encours.disputes.selectors import disputes_for
    from encours.forecast.models import DunningSuggestion
    from encours.insurance.models import CoverRequest
    from encours.insurance.services.factoring import contracts_for
    from encours.jobs.models import Job
    from encours.jobs.selectors import jobs_for
    from encours.ledger.models import CustomerBlock, ImportMapping, Item
    from encours.ledger.selectors import customers_for, entities_for
    from encours.risk.models import Company, CreditLimit, HeldOrder, RiskAlert
    from encours.sales.models import ReleaseRequest

    customers = customers_for(user)
    by_customer = {
        "limit": CreditLimit, "held_order": HeldOrder, "alert": RiskAlert, "message": DunningMessage,
        "cover_request": CoverRequest, "suggestion": DunningSuggestion, "item": Item, "block": CustomerBlock,
        "release_request": ReleaseRequest,
    }  # fmt: skip
    if kind == "customer":
        return customers
    if kind in by_customer:
        return by_customer[kind].objects.filter(customer__in=customers)
    if kind in ("line", "statement", "bank_account"):
        return {"line": lines_for, "statement": statements_for, "bank_account": accounts_for}[kind](user)
    if kind == "contract":
        return contracts_for(user)
    if kind == "run":
        return DunningRun.objects.filter(Q(entity__in=entities_for(user)) | Q(entity__isnull=True))
    if kind == "dispute":
        return disputes_for(user)
    if kind == "attachment":
        return Attachment.objects.filter(dispute__in=disputes_for(user))
    if kind == "committee":
        return committees_for(user)
    if kind == "company":
        return Company.objects.filter(siren__in=customers.values("siren"))
    if kind in ("risk_job", "forecast_job"):  # one run for the whole book: whoever may open the page sees it
        return Job.objects.all()
    if kind == "cash_job":  # the cash page shows one's own imports only, even to an admin
        return Job.objects.filter(created_by=user)
    if kind.endswith("_job"):
        return jobs_for(user, kind_prefix=JOB_KINDS[kind])
    global_kinds = {"scenario": DunningScenario, "step": DunningStep, "mapping": ImportMapping, "text": DunningText}
    return global_kinds[kind].objects.all()


def variants(world: Any, kind: str | None, user: Any) -> list[tuple[str, Any]]:
    """("in", obj) and ("out", obj) for this user; a kind the portfolio lacks is asked with a missing id."""
    if kind is None:
        return [("-", None)]
    objects = world.objects.get(kind, [])
    if not objects:
        return [("missing", None)]
    if user is None:
        return [("in", objects[0])]
    seen = set(visible(kind, user).filter(pk__in=[o.pk for o in objects]).values_list("pk", flat=True))
    found = []
    inside = next((o for o in objects if o.pk in seen), None)
    outside = next((o for o in objects if o.pk not in seen), None)
    if inside is not None:
        found.append(("in", inside))
    if outside is not None:
        found.append(("out", outside))
    return found


# ---------------------------------------------------------------- pages


def page_url(name: str, route: str, entry: Any, obj: Any, missing: bool) -> str:
    kwargs = dict(entry.kwargs)
    for param in ("pk", "scenario_pk", "attachment_pk", "proposal_pk"):
        if f"<int:{param}>" not in route:
            continue
        if param == "proposal_pk" or missing:
            kwargs[param] = MISSING_ID
        elif entry.kind == "attachment":
            kwargs[param] = obj.dispute_id if param == "pk" else obj.pk
        else:
            kwargs[param] = obj.pk
    return reverse(name, kwargs=kwargs)


def expected_page(user: Any, method: str, entry: Any, scope: str) -> tuple[set[int] | str, bool]:
    """(expected status set or "ok"/"login", whether the request must change no row)."""
    if entry.absent and scope == "in":
        scope = "missing"  # what the id names exists, not what the page serves (no file, no proposal, no job)
    if method in ("PATCH", "DELETE"):
        return {405}, True
    if user is None:
        return "login", True
    action = entry.get if method == "GET" else entry.post
    read_only = method == "GET" or action == READ
    if action == READ:
        action = entry.get
    if action is None:
        return {405}, True
    allowed = action == ANY or can(user, action)
    inside = scope in ("-", "in")
    if scope == "missing":
        return ({404} if allowed else {403, 404}), True
    if allowed and inside:
        return "ok", read_only
    if allowed:
        return {404}, True
    return ({403} if inside else {403, 404}), True


def judge(status: int, location: str, expected: set[int] | str) -> bool:
    if expected == "login":
        return status == 302 and "/login/" in location
    if expected == "ok":
        return 200 <= status < 300 or status == 400 or (300 <= status < 400 and "/login/" not in location)
    return status in expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(PAGES) - APART))
def test_page(name, world, clients):
    entry, route = PAGES[name], page_patterns()[name]
    wrong = []
    for persona in (None, *PERSONAS):
        user = world.users[persona] if persona else None
        for scope, obj in variants(world, entry.kind, user):
            url = page_url(name, route, entry, obj, scope == "missing")
            for method in METHODS:
                expected, unchanged = expected_page(user, method, entry, scope)
                status, location, changed = ask(clients[persona], method, url)
                TALLY["page cells"] += 1
                if not judge(status, location, expected) or (unchanged and changed):
                    wrong.append(f"{persona or 'anonymous'} {method} {url} ({scope}): {status} {location}"
                                 f" expected {expected}{f', {changed} row(s) changed' if changed else ''}")  # fmt: skip
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- API


def api_body(method: str, path: str, world: Any, obj: Any) -> Any:
    customer = obj if obj is not None else world.objects["customer"][0]
    entity = customer.entity
    if path.endswith("/customers/bulk"):
        return {"entity": entity.siren, "customers": [{"account_number": "M-NEW", "name": "Nouveau Client"}]}
    if path.endswith("/items/bulk"):
        item = {"number": "M-NEW-1", "customer": customer.account_number, "document_date": "2026-10-01",
                "amount": "10.00"}  # fmt: skip
        return {"entity": entity.siren, "items": [item]}
    if path.endswith("/credit-check"):
        return {"customer": customer.account_number, "entity": entity.siren, "amount": "100.00", "currency": "EUR"}
    if path.endswith("/risk/statements") and method == "PUT":
        return {"siren": customer.siren, "year": 2025, "revenue": "1000000"}
    if path == "/api/v1/disputes" and method == "POST":
        invoice = customer.items.order_by("number").last()
        return {"customer_id": customer.pk, "reason": "price", "lines": [{"invoice": invoice.number}]}
    if path.endswith("/blocks") and method == "POST":
        return {"reason": "chèque impayé"}
    if path.endswith("/lift"):
        return {"reason": "réglé par virement"}
    if method == "PATCH":
        return {"comment": "vu avec le client"}
    return None


BODY_KIND = {"/api/v1/customers/bulk": "customer", "/api/v1/items/bulk": "customer",
             "/api/v1/credit-check": "customer", "/api/v1/disputes": "customer"}  # fmt: skip


@pytest.fixture
def tokens(world):
    from encours.accounts.models import ApiToken
    from encours.api.auth import api_token_create

    found = {persona: api_token_create(user=world.users[persona], name="matrix") for persona in PERSONAS}
    # stamped as just used, so that no request of the matrix updates last_used_at (a row change)
    ApiToken.objects.filter(name="matrix").update(last_used_at=timezone.now() + timedelta(days=1))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted({path for _, path in API}))
def test_api(path, world, clients, tokens):
    defined = {method for method, p in API if p == path}
    wrong = []
    for persona in (None, *PERSONAS):
        user = world.users[persona] if persona else None
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[persona]}"} if persona else {}
        path_kind = next(API[(m, path)][0] for m in sorted(defined))
        for method in sorted({*METHODS, *defined}):
            kind, action = API.get((method, path), (path_kind, ANY))
            body_kind = BODY_KIND.get(path) if method in ("POST", "PUT") else None
            for scope, obj in variants(world, kind or body_kind, user):
                url = path
                if kind is not None:
                    url = path.split("{")[0] + str(obj.pk if obj else MISSING_ID) + path.split("}")[1]
                if path.endswith("/risk/statements") and method == "GET":
                    url += f"?siren={world.objects['customer'][0].siren}"
                body = api_body(method, path, world, obj if body_kind else None)
                if method not in defined:
                    expected: set[int] | str = {405}
                elif user is None:
                    expected = {401}
                else:
                    allowed = action == ANY or can(user, action)
                    inside = scope in ("-", "in")
                    expected = "ok" if allowed and inside else {404} if allowed else {403} if inside else {403, 404}
                status, location, changed = ask(Client(raise_request_exception=False), method, url, body, **headers)
                TALLY["api cells"] += 1
                write = method != "GET"
                if not judge(status, location, expected) or (write and expected != "ok" and changed):
                    wrong.append(f"{persona or 'anonymous'} {method} {url} ({scope}): {status} expected {expected}"
                                 f"{f', {changed} row(s) changed' if changed else ''}")  # fmt: skip
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- admin and the doors


@pytest.mark.django_db
def test_admin_is_for_staff_only(world, clients):
    """Every admin URL without an id sends any other role to the admin login; the admin opens them."""
    plain = [(route, name) for route, name, _ in url_patterns() if route.startswith("admin/") and "<" not in route]
    plain = [(route, name) for route, name in plain if not name.endswith(("login", "logout", "autocomplete", "jsi18n"))]
    assert len(plain) > 50
    wrong = []
    for route, _ in plain:
        url = "/" + route.replace("^", "").replace("$", "")
        for persona in (None, *PERSONAS):
            status, location, _ = ask(clients[persona], "GET", url)
            TALLY["admin cells"] += 1
            if persona == "admin":  # log and ledger tables are read-only in the admin: no add page
                ok = status == 200 or (status == 403 and url.endswith("/add/"))
            else:
                ok = status == 302 and "/admin/login/" in location
            if not ok:
                wrong.append(f"{persona} GET {url}: {status} {location}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_doors(world, clients):
    assert ask(clients[None], "GET", "/login/")[0] == 200
    assert ask(clients["auditor"], "GET", "/login/")[0] == 302  # already in
    assert ask(clients[None], "PATCH", "/login/")[0] == 405
    assert ask(clients["auditor"], "GET", "/logout/")[0] == 405
    assert ask(clients["auditor"], "POST", "/i18n/setlang/", None)[0] == 302


def test_report_figures(request):
    """Printed at the end of the module: the figures the report quotes (urls, operations, cells)."""
    patterns = url_patterns()
    print(
        f"\nmatrix: {len(patterns)} URL patterns ({len(page_patterns())} pages, "
        f"{sum(r.startswith('admin/') for r, _, _ in patterns)} admin), {len(api_operations())} API operations, "
        f"cells tested so far: {dict(TALLY)}"
    )


WRITE_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>|\bhx-(?:post|patch|delete)=\"([^\"]*)\"", re.I)
# language, session, own notifications
PERSONAL = ("/i18n/setlang/", "/logout/", "/disputes/notifications/", "/sales/notifications/")


@pytest.mark.django_db
def test_auditor_sees_no_write_form_anywhere(world, clients):
    """Every page the auditor may open, on an object of his scope, holds no form or htmx call that writes."""
    found = []
    for name, entry in sorted(PAGES.items()):
        if name in APART or entry.get is None:
            continue
        for scope, obj in variants(world, entry.kind, world.users["auditor"]):
            if scope not in ("-", "in"):
                continue
            url = page_url(name, page_patterns()[name], entry, obj, False)
            response = clients["auditor"].get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for match in WRITE_FORM.finditer(response.content.decode()):
                action = match.group(1) or (re.search(r'action="([^"]*)"', match.group(0)) or [None, ""])[1] or url
                if not any(action.startswith(path) for path in PERSONAL):
                    found.append(f"{url}: {match.group(0)[:120]}")
            TALLY["auditor pages"] += 1
    assert not found, "\n".join(found)
