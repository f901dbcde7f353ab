"""The 403, 404 and 500 pages: in the user's language, with the menu (403, 404) and a way back.

The 500 page is rendered without the request's context processors: it must not touch the database
(which may be what failed), so it shows no menu, only the way back to the dashboard."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def _back_url(request: HttpRequest) -> str:
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return ""


def _context(status: int, title: str, text: str, back_url: str = "") -> dict[str, Any]:
    return {"error_status": status, "error_title": title, "error_text": text, "back_url": back_url}


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    text = _("Your role does not allow this page or this action. Ask an administrator if you need it.")
    return render(request, "error.html", _context(403, _("Access denied"), text, _back_url(request)), status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    text = _("This page does not exist, or what it shows is outside your portfolio.")
    return render(request, "error.html", _context(404, _("Page not found"), text, _back_url(request)), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    text = _("Something went wrong on our side. Try again in a moment, or tell your administrator.")
    html = get_template("error.html").render(_context(500, _("Server error"), text))
    return HttpResponseServerError(html)
