"""The authorization matrix: for every URL pattern and API operation, who may GET and who may write.

A page entry names the kind of object its ids point to (``None``: no id), the action needed to GET it
and the action needed to POST to it (from ``encours.accounts.permissions``):

- ``ANY``: any logged-in user (what they see is scoped);
- ``READ`` (POST only): the page ignores the method, answers as to a GET and writes nothing;
- ``None``: the method is not allowed (405).

Expected answer of a cell (persona × method × object inside / outside the persona's scope):
anonymous → 302 to the login page (API: 401); PATCH or DELETE on a page → 405; a persona lacking the
action → 403; an object outside the persona's scope → 404 (either, when both); otherwise handled
(2xx, or a redirect that is not to the login page). A refused write changes no row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ANY = "any"
READ = "read"


@dataclass(frozen=True)
class Page:
    kind: str | None
    get: str | None
    post: str | None
    kwargs: dict[str, Any] = field(default_factory=dict)
    absent: bool = False  # the portfolio holds no content for it (a message's file, a run's job): 404 at best


def page(of: str | None, get: str | None, post: str | None = READ, absent: bool = False, **kwargs: Any) -> Page:
    return Page(of, get, post, kwargs, absent)


def form(kind: str | None, action: str, get: str | None = None) -> Page:
    """A page showing a form (GET with ``get``, default the same action) that writes with ``action``."""
    return Page(kind, get or action, action, {})


def write(kind: str | None, action: str, absent: bool = False, **kwargs: Any) -> Page:
    """A POST-only endpoint."""
    return Page(kind, None, action, kwargs, absent)


REPORTS = "reports.view"

PAGES: dict[str, Page] = {
    "home": page(None, ANY),
    "login": page(None, ANY),  # checked apart: anonymous may see it
    "logout": page(None, None, ANY),  # checked apart
    "set_language": page(None, None, ANY),  # checked apart
    # ledger
    "ledger:customers": page(None, ANY),
    "ledger:customer": page("customer", ANY),
    "ledger:customer_block": write("customer", "ledger.block_customer"),
    "ledger:block_lift": write("block", "ledger.lift_dunning_block"),  # the world's blocks are dunning blocks
    "ledger:imports": form(None, "ledger.import"),
    "ledger:import_job": page("ledger_job", "ledger.import"),
    "ledger:mapping_new": form(None, "ledger.import"),
    "ledger:mapping_edit": form("mapping", "ledger.import"),
    "ledger:mapping_delete": write("mapping", "ledger.import"),
    # reports
    "reports:dashboard": page(None, ANY),  # scoped: a department user sees an empty one
    "reports:aged_balance": page(None, REPORTS),
    "reports:aged_balance_csv": page(None, REPORTS),
    "reports:aged_balance_xlsx": page(None, REPORTS),
    "reports:aged_items": page(None, REPORTS),
    "reports:kpis": page(None, REPORTS),
    "reports:payment_behaviour": page(None, REPORTS),
    "reports:weekly": page(None, REPORTS),
    # risk
    "risk:portfolio": page(None, ANY),
    "risk:review": page(None, ANY),
    "risk:run": write(None, "risk.edit"),
    "risk:job": page("risk_job", "risk.edit"),
    "risk:customer": page("customer", ANY),
    "risk:limit_request": write("customer", "risk.request_limit"),
    "risk:guarantee_add": write("customer", "risk.edit"),
    "risk:limits": page(None, ANY),
    "risk:limit_decide": write("limit", "risk.approve_limit"),
    "risk:held_orders": page(None, ANY),
    "risk:held_order_decide": write("held_order", "risk.edit"),
    "risk:alerts": page(None, ANY),
    "risk:alert_action": write("alert", "risk.edit"),
    "risk:statement_entry": form(None, "risk.edit"),
    "risk:upload": form(None, "risk.edit"),
    "risk:companies": page(None, ANY),
    "risk:company": page("company", ANY),
    "risk:settings": form(None, "risk.edit", get=ANY),
    # insurance
    "insurance:portfolio": page(None, ANY),
    "insurance:buyer": form("customer", "insurance.manage", get=ANY),
    "insurance:declare": write("customer", "insurance.manage"),
    "insurance:import": form(None, "insurance.manage"),
    "insurance:import_job": page("insurance_job", "insurance.manage"),
    "insurance:requests": form(None, "insurance.manage", get=ANY),
    "insurance:request_action": write("cover_request", "insurance.manage"),
    "insurance:request_export": page("cover_request", ANY),
    "insurance:request_pdf": page("cover_request", ANY),
    "insurance:declarations": page(None, ANY),
    "insurance:claim_open": write("declaration", "insurance.manage"),
    "insurance:claims": page(None, ANY),
    "insurance:premiums": page(None, ANY),
    "insurance:premium_declare": write(None, "insurance.manage"),
    "insurance:claim_payment": write("claim", "insurance.manage"),
    "insurance:claim_recovery": write("claim", "insurance.manage"),
    "insurance:factoring": page(None, ANY),
    "insurance:factoring_draw": write("contract", "insurance.manage"),
    "insurance:factoring_returns": write("contract", "insurance.manage"),
    "insurance:bordereau_new": form("contract", "insurance.manage"),
    "insurance:bordereau": page("bordereau", ANY),
    "insurance:bordereau_csv": page("bordereau", ANY),
    # collections
    "collections:worklist": page(None, ANY),
    "collections:call": form("customer", "collections.act"),
    "collections:promise": form("customer", "collections.act"),
    "collections:statement_send": write("customer", "collections.act"),
    "collections:snooze": write("customer", "collections.act"),
    "collections:statement": page("customer", ANY, fmt="pdf"),
    "collections:customer_settings": write("customer", "collections.act"),
    "collections:penalties_invoice": write("customer", "collections.configure"),
    "collections:customer_panel": page("customer", ANY, kind="timeline"),
    "collections:message_file": page("message", ANY, absent=True, kind="pdf"),
    "collections:runs": form(None, "collections.run"),
    "collections:run": page("run", "collections.run"),
    "collections:run_exclude": write("run", "collections.run"),
    "collections:run_execute": write("run", "collections.run"),
    "collections:run_job": page("run", "collections.run", absent=True),
    "collections:run_retry": write("run", "collections.run"),
    "collections:scenarios": page(None, ANY),
    "collections:scenario": form("scenario", "collections.configure"),
    "collections:step_new": form("scenario", "collections.configure"),
    "collections:step": form("step", "collections.configure"),
    "collections:step_delete": write("step", "collections.configure"),
    "collections:rates": form(None, "collections.configure", get=ANY),
    "collections:texts": form(None, "collections.texts"),
    "collections:text_restore": write("text", "collections.texts"),
    "collections:productivity": page(None, REPORTS),
    "collections:productivity_export": page(None, REPORTS, fmt="csv"),
    # disputes
    "disputes:list": page(None, ANY),
    "disputes:mine": page(None, ANY),
    "disputes:create": form(None, "disputes.create"),
    "disputes:report": page(None, ANY),
    "disputes:notifications": page(None, ANY, ANY),
    "disputes:detail": page("dispute", ANY),
    "disputes:transition": write("dispute", "disputes.manage"),
    "disputes:comment": write("dispute", "disputes.comment"),
    "disputes:assign": write("dispute", "disputes.manage"),
    "disputes:attach": write("dispute", "disputes.comment"),
    "disputes:attachment": page("attachment", ANY),
    "disputes:committees": form(None, "committee.prepare", get=REPORTS),
    "disputes:committee": page("committee", REPORTS),
    "disputes:committee_record": write("committee", "committee.prepare"),
    "disputes:committee_sign": write("committee", "committee.sign"),
    "disputes:committee_pdf": page("committee", REPORTS),
    "disputes:provisions": page(None, REPORTS),
    "disputes:provisions_export": page(None, REPORTS, fmt="csv"),
    # cash
    "cash:queue": page(None, ANY),
    "cash:line": page("line", ANY),
    "cash:accept": write("line", "cash.apply", absent=True),  # no proposal
    "cash:split": Page("line", "cash.apply", "cash.apply", absent=True),  # no ?account_number: no customer
    "cash:assign": write("line", "cash.apply"),
    "cash:not_customer": write("line", "cash.apply"),
    "cash:undo": write("line", "cash.apply"),
    "cash:rematch": write(None, "cash.apply"),
    "cash:statements": form(None, "ledger.import", get=ANY),
    "cash:statement": page("statement", ANY),
    "cash:import_job": page("cash_job", ANY),
    "cash:accounts": form(None, "ledger.import", get=ANY),
    "cash:account_edit": form("bank_account", "ledger.import", get=ANY),
    "cash:settings": form(None, "ledger.import", get=ANY),
    "cash:export": page(None, "cash.apply"),
    # forecast
    "forecast:cash": page(None, ANY),
    "forecast:cash_xlsx": page(None, ANY),
    "forecast:model": form(None, "forecast.train", get=ANY),
    "forecast:model_job": page("forecast_job", ANY),
    "forecast:dunning": page(None, ANY),
    "forecast:dunning_refresh": write(None, "forecast.train"),
    "forecast:dunning_approve": write("suggestion", "forecast.train"),
    "forecast:dunning_reject": write("suggestion", "forecast.train"),
    # sales loop
    "sales:notifications": page(None, ANY, ANY),
    "sales:release_requests": page(None, ANY),
    "sales:release_decide": write("release_request", "sales.decide_release"),
    "sales:release_request": write("held_order", "sales.request_release"),
    "sales:field_note": write("customer", "sales.field_note"),
}

# API operations: (method, path) -> (kind of the path's id, action; ANY for reads)
API: dict[tuple[str, str], tuple[str | None, str]] = {
    ("GET", "/api/v1/customers"): (None, ANY),
    ("GET", "/api/v1/customers/{customer_id}"): ("customer", ANY),
    ("GET", "/api/v1/customers/{customer_id}/blocks"): ("customer", ANY),
    ("POST", "/api/v1/customers/{customer_id}/blocks"): ("customer", "ledger.block_customer"),
    ("POST", "/api/v1/blocks/{block_id}/lift"): ("block", "ledger.lift_dunning_block"),
    ("GET", "/api/v1/items"): (None, ANY),
    ("GET", "/api/v1/items/{item_id}"): ("item", ANY),
    ("POST", "/api/v1/customers/bulk"): (None, "ledger.import"),
    ("POST", "/api/v1/items/bulk"): (None, "ledger.import"),
    ("POST", "/api/v1/credit-check"): (None, "risk.credit_check"),
    ("GET", "/api/v1/risk/statements"): (None, ANY),
    ("PUT", "/api/v1/risk/statements"): (None, "risk.edit"),
    ("GET", "/api/v1/risk/customers/{customer_id}/grade"): ("customer", ANY),
    ("GET", "/api/v1/insurance/covers"): (None, ANY),
    ("GET", "/api/v1/insurance/covers/{customer_id}"): ("customer", ANY),
    ("GET", "/api/v1/factoring/position"): (None, ANY),
    ("GET", "/api/v1/factoring/{contract_id}/position"): ("contract", ANY),
    ("GET", "/api/v1/disputes"): (None, ANY),
    ("POST", "/api/v1/disputes"): (None, "disputes.create"),
    ("GET", "/api/v1/disputes/{dispute_id}"): ("dispute", ANY),
    ("PATCH", "/api/v1/disputes/{dispute_id}"): ("dispute", "disputes.comment"),
}
