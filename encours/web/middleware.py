from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import translation
from django.utils.cache import patch_vary_headers

from encours.core.errors import PermissionDenied as ServicePermissionDenied

SUPPORTED = {code for code, _ in settings.LANGUAGES}


class LanguageMiddleware:
    """French unless the person chose otherwise (language switch, then their profile).

    Unlike Django's LocaleMiddleware the browser's Accept-Language is not used: a French
    company's users on English-configured laptops still get the French product by default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if language not in SUPPORTED and user is not None and user.is_authenticated:
            language = getattr(user, "language", "")
        if language not in SUPPORTED:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class ServiceRefusalMiddleware:
    """A service's PermissionDenied that no view caught is a 403 page, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ServicePermissionDenied):
            raise PermissionDenied(str(exception)) from exception
        return None


class PageMethodsMiddleware:
    """Pages speak GET, HEAD and POST; any other method is a 405 before a view can mistake it for a GET.

    The API (``/api/``) has its own methods per operation (PATCH, PUT…) and is left alone."""

    ALLOWED = ("GET", "HEAD", "POST")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in self.ALLOWED and not request.path.startswith("/api/"):
            return HttpResponseNotAllowed(self.ALLOWED)
        return self.get_response(request)
