"""Query parameters shared by the API's list and as-of operations: counts non-negative and capped,
dates within the same bounds as the pages (``encours.web.params``).

A bad query or path parameter is answered 400 — like a bad query string on a page — with a body
naming each parameter and why: ``{"detail": "offset: …", "parameters": [{"name", "in", "reason"}]}``.
A malformed JSON body keeps django-ninja's 422 with each field's ``loc`` (the bulk calls' contract);
a request wrong in both is answered 422 with every error. Never a 500."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from pydantic import Field

from encours.web.params import EARLIEST_DATE, LATEST_DATE

MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"rows per page, 1 to {MAX_LIMIT}")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="rows to skip")]
BoundedDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]

PARAMETER_PLACES = ("query", "path")


def parameter_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]] | None:
    """Each error as (parameter, where, reason) when every one is in the query string or the path."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if not loc or loc[0] not in PARAMETER_PLACES:
            return None
        name = ".".join(loc[1:]) or loc[0]
        found.append({"name": name, "in": loc[0], "reason": str(error.get("msg", "invalid value"))})
    return found or None


def validation_error(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parameters = parameter_errors(exc.errors)
    if parameters is None:
        return api.create_response(request, {"detail": exc.errors}, status=422)
    detail = "; ".join(f"{p['name']}: {p['reason']}" for p in parameters)
    return api.create_response(request, {"detail": detail, "parameters": parameters}, status=400)
