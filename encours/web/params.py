"""Parameters from a query string, a form or a command line, read once and the same way everywhere.

Dates lie within sane bounds (a year-1 date made the date arithmetic of the reports overflow),
counts are non-negative and capped, a ``next`` redirect stays on this site. A bad value raises
:class:`BadParameter`, which :class:`BadParameterMiddleware` answers with a 400 page that says
what was wrong, in the user's language, never a 500.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from collections.abc import Callable
from datetime import date

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class BadParameter(BadRequest):
    """A parameter the request cannot be answered with; its message is shown to the user."""


def parse_date(text: str | None, *, name: str = "as_of") -> date | None:
    """``YYYY-MM-DD`` between 1990-01-01 and 2100-12-31; ``None`` when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            _("%(name)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"name": name, "value": text[:40]}
        ) from None
    return check_date(value, name=name)


def check_date(value: date, *, name: str = "as_of") -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise BadParameter(
            _("%(name)s: %(value)s is outside %(earliest)s – %(latest)s.")
            % {"name": name, "value": value.isoformat(), "earliest": EARLIEST_DATE, "latest": LATEST_DATE}
        )
    return value


def as_of_param(request: HttpRequest, name: str = "as_of") -> date:
    """The date a page is read as of: the query string's, the posted form's, else today."""
    return parse_date(request.GET.get(name) or request.POST.get(name), name=name) or timezone.localdate()


def date_argument(text: str) -> date:
    """``argparse`` type of the commands' ``--as-of`` (and other date options), in English like
    the rest of the commands' output."""
    with translation.override("en"):
        try:
            value = parse_date(text, name="date")
        except BadParameter as exc:
            raise ArgumentTypeError(str(exc)) from None
        if value is None:
            raise ArgumentTypeError(_("date: empty, expected YYYY-MM-DD."))
    return value


def int_param(request: HttpRequest, name: str, *, default: int, minimum: int = 0, maximum: int) -> int:
    """A whole number from the query string (or form) within ``minimum``–``maximum``."""
    text = (request.GET.get(name) or request.POST.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadParameter(_("%(name)s: “%(value)s” is not a whole number.") % {"name": name, "value": text[:40]})
    if not minimum <= value <= maximum:
        raise BadParameter(
            _("%(name)s: %(value)s is outside %(minimum)s – %(maximum)s.")
            % {"name": name, "value": value, "minimum": minimum, "maximum": maximum}
        )
    return value


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The posted (or queried) ``next`` when it is a path on this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def redirect_next(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, fallback))


class BadParameterMiddleware:
    """Answer :class:`BadParameter` with a 400 page carrying its message (also under DEBUG)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BadParameter):
            return None
        template = "web/_bad_parameter.html" if getattr(request, "htmx", False) else "web/bad_parameter.html"
        return render(request, template, {"message": str(exception)}, status=400)
