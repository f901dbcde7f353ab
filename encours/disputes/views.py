from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from encours.disputes import selectors


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.dispute_get(user=request.user, pk=pk)
    return HttpResponse("")
