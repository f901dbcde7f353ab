"""Every parameter validated: redirects stay on the site, dates within bounds, counts capped.

A hostile query string gets a 400 with a message in the user's language (in the API, a 400 whose
JSON body names the parameter and the reason; a malformed JSON body stays 422), never a 500; the
test client re-raises any exception a view lets through.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from encours.accounts.models import Role
from encours.api.auth import api_token_create
from encours.web.params import BadParameter, parse_date, safe_next
from tests.factories import CustomerFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)
HOSTILE = (
    {"as_of": "0001-01-01"},
    {"as_of": "9999-12-31"},
    {"as_of": "garbage"},
    {"offset": "-5", "limit": str(10**9), "page": "-1"},
    {"page": "999999999999", "sort": "'; drop table x", "by": "nonsense", "entity": "abc", "since": "2026-02-30"},
)
AS_OF_PAGES = ("reports:dashboard", "reports:aged_balance", "reports:weekly", "reports:kpis")


@pytest.mark.parametrize(
    "target",
    ["http://evil.example", "//evil.example/x", "https:evil.example", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_outside_the_site_falls_back(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert safe_next(request, "/fallback/") == "/fallback/"


def test_next_on_the_site_is_followed():
    request = RequestFactory().post("/x/", {"next": "/risk/customers/3/?tab=limits"})
    assert safe_next(request, "/fallback/") == "/risk/customers/3/?tab=limits"


def test_a_credit_limit_decision_never_redirects_to_another_site(client, credit_manager, entity):
    from encours.risk.services import limit_request

    customer = CustomerFactory(entity=entity)
    limit = limit_request(customer=customer, amount=Decimal(20000), user=credit_manager)
    client.force_login(credit_manager)
    response = client.post(
        reverse("risk:limit_decide", args=[limit.pk]), {"action": "approve", "next": "http://evil.example"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("risk:limits")


def test_a_worklist_action_never_redirects_to_another_site(client, collector, entity):
    customer = CustomerFactory(entity=entity)
    client.force_login(collector)
    url = reverse("collections:snooze", args=[customer.pk])
    response = client.post(url, {"days": "7", "next": "//evil.example/"})
    assert response["Location"] == reverse("collections:worklist")
    assert client.post(url, {"days": "7", "next": "/collections/worklist/?collector=1"})["Location"] == (
        "/collections/worklist/?collector=1"
    )
    assert client.post(url, {"days": "many"}).status_code == 400


def test_dates_are_bounded_and_named_in_the_message():
    assert parse_date("2026-10-31") == AS_OF and parse_date("  ") is None
    assert parse_date("1990-01-01") == date(1990, 1, 1) and parse_date("2100-12-31") == date(2100, 12, 31)
    cases = (
        ("0001-01-01", "as_of: 0001-01-01 is outside 1990-01-01 – 2100-12-31."),
        ("1989-12-31", "as_of: 1989-12-31 is outside 1990-01-01 – 2100-12-31."),
        ("9999-12-31", "as_of: 9999-12-31 is outside 1990-01-01 – 2100-12-31."),
        ("31/10/2026", "as_of: “31/10/2026” is not a date (YYYY-MM-DD)."),
    )
    with translation.override("en"):
        for text, message in cases:
            with pytest.raises(BadParameter) as raised:
                parse_date(text, name="as_of")
            assert str(raised.value) == message


@pytest.mark.parametrize("name", AS_OF_PAGES)
@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "garbage"])
def test_report_pages_answer_a_bad_date_with_400_and_a_french_message(client, credit_manager, name, as_of):
    client.force_login(credit_manager)
    response = client.get(reverse(name), {"as_of": as_of})
    assert response.status_code == 400
    body = response.content.decode()
    assert "as_of" in body and "Cette page ne peut pas être affichée avec ces paramètres" in body


def test_the_message_follows_the_users_language(client, credit_manager):
    client.force_login(credit_manager)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("reports:dashboard"), {"as_of": "0001-01-01"}).content.decode()
    assert "as_of: 0001-01-01 is outside 1990-01-01 – 2100-12-31." in body


def test_commands_refuse_an_out_of_bounds_date(tmp_path):
    with pytest.raises(CommandError, match="outside 1990-01-01"):
        call_command("aged_balance", "--as-of", "0001-01-01", "--output", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="not a date"):
        call_command("kpis", "--as-of", "2026-13-01", "--output", str(tmp_path / "x.csv"))


def _get_routes(resolver: URLResolver, prefix: str = "") -> list[tuple[str, object]]:
    routes = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes.extend(_get_routes(entry, route))
        elif isinstance(entry, URLPattern):
            routes.append((route, entry))
    return routes


def book_for_walk(entity):
    """A customer with an overdue invoice: the pages walked have something to show."""
    customer = CustomerFactory(entity=entity, account_number="C1", name="Durand SA")
    ItemFactory(customer=customer, amount=Decimal("1000.00"), document_date=date(2026, 8, 1), due_date=date(2026, 9, 1))
    return customer


@pytest.fixture
def walked_book(entity):
    return book_for_walk(entity)


def page_urls(walked_book) -> list[str]:
    """Every page of the site reachable by GET without an object id, plus the customer's pages."""
    urls = []
    for route, _pattern in _get_routes(get_resolver()):
        if route.startswith(("admin/", "api/", "i18n/", "logout/")) or "^" in route:
            continue
        if "<" not in route:
            urls.append("/" + route)
        elif route.count("<") == 1 and "<int:pk>" in route and "customer" in route:
            urls.append("/" + route.replace("<int:pk>", str(walked_book.pk)))
    return urls


def test_every_page_survives_hostile_query_strings(client, entity, walked_book):
    admin = UserFactory(username="root", role=Role.ADMIN, entities=[entity], is_superuser=True, is_staff=True)
    client.force_login(admin)
    client.raise_request_exception = False  # count the 500s, all of them
    urls = page_urls(walked_book)
    assert len(urls) > 40  # the walk covers the site, not a handful of pages
    answered = {}
    for url in urls:
        for query in HOSTILE:
            response = client.get(url, query)
            answered[url, tuple(query.items())] = response.status_code
    assert [key for key, status in answered.items() if status >= 500] == []


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/customers", "/api/v1/disputes", "/api/v1/insurance/covers"])
@pytest.mark.parametrize("query", [{"offset": "-5"}, {"limit": "0"}, {"limit": str(10**9)}, {"offset": "x"}])
def test_api_lists_refuse_negative_or_huge_counts_with_the_field_named(client, credit_manager, path, query):
    token = api_token_create(user=credit_manager)
    response = client.get(path, query, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    name = next(iter(query))
    assert name in str(response.json()["detail"])
    [parameter] = response.json()["parameters"]
    assert parameter["name"] == name and parameter["in"] == "query" and parameter["reason"]


def test_api_as_of_is_bounded(client, credit_manager, entity):
    token = api_token_create(user=credit_manager)
    response = client.get("/api/v1/insurance/covers", {"as_of": "0001-01-01"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and response.json()["detail"].startswith("as_of: ")
    assert response.json()["parameters"][0]["name"] == "as_of"
    assert (
        client.get(
            "/api/v1/insurance/covers", {"as_of": "2026-10-31"}, HTTP_AUTHORIZATION=f"Bearer {token}"
        ).status_code
        == 200
    )


def test_api_missing_parameter_is_400_and_a_malformed_body_stays_422(client, credit_manager, entity):
    token = api_token_create(user=credit_manager)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    missing = client.get("/api/v1/risk/statements", **auth)  # siren is required
    assert missing.status_code == 400 and missing.json()["parameters"][0]["name"] == "siren"
    body = {"entity": entity.siren, "customers": [{"account_number": "C1"}]}  # no name
    malformed = client.post("/api/v1/customers/bulk", body, content_type="application/json", **auth)
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"][0] == "body"
