"""Sales loop pages: the rep's notifications, release requests of held orders, field notes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours.accounts.permissions import can
from encours.core.errors import EncoursError
from encours.ledger.selectors import customer_get, customers_for
from encours.risk.models import HeldOrder
from encours.sales import notifications as notes
from encours.sales import selectors, services
from encours.sales.forms import FieldNoteForm
from encours.sales.models import ReleaseRequest
from encours.web.params import redirect_next
from encours.web.refusals import refusal_text


def _require(request: HttpRequest, capability: str) -> None:
    if not can(request.user, capability):
        raise PermissionDenied


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if notes.is_rep(request.user):  # what he saw includes today's facts not collected yet
            notes.rep_notifications_collect(as_of=timezone.localdate(), rep=request.user)
        services.notifications_mark_read(user=request.user)
        return redirect("sales:notifications")
    found = notes.notifications_of(request.user)
    return render(request, "sales/notifications.html", {"notifications": found})


@login_required
@require_POST
def release_request(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "sales.request_release")
    order = get_object_or_404(HeldOrder, pk=pk, customer__in=customers_for(request.user))
    try:
        services.release_request_create(order=order, user=request.user,
                                        justification=request.POST.get("justification", ""))  # fmt: skip
        messages.success(request, _("Release of order %(ref)s requested.") % {"ref": order.reference or order.pk})
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect_next(request, reverse("ledger:customer", args=[order.customer_id]))


@login_required
def release_requests(request: HttpRequest) -> HttpResponse:
    scoped = selectors.release_requests_for(request.user).select_related(
        "order", "customer", "requested_by", "decided_by"
    )
    pending = scoped.filter(status=ReleaseRequest.Status.PENDING).order_by("requested_at")[:300]
    decided = scoped.exclude(status=ReleaseRequest.Status.PENDING).order_by("-decided_at")[:50]
    return render(request, "sales/release_requests.html", {"pending": pending, "decided": decided})


@login_required
@require_POST
def release_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "sales.decide_release")
    found = get_object_or_404(selectors.release_requests_for(request.user), pk=pk)
    approve = request.POST.get("action") == "approve"
    try:
        services.release_request_decide(request=found, user=request.user, approve=approve,
                                        comment=request.POST.get("comment", ""))  # fmt: skip
        if approve:
            messages.success(request, _("Release approved: the order is released."))
        else:
            messages.success(request, _("Release refused: the order stays held."))
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("sales:release_requests")


@login_required
@require_POST
def field_note(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "sales.field_note")
    customer = customer_get(user=request.user, pk=pk)
    form = FieldNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The field note is incomplete: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("ledger:customer", customer.pk)
    try:
        services.field_note_create(
            customer=customer, user=request.user, visited_on=form.cleaned_data["visited_on"] or timezone.localdate(),
            body=form.cleaned_data["body"], contact=form.cleaned_data["contact"],
        )  # fmt: skip
        messages.success(request, _("Field note saved."))
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("ledger:customer", customer.pk)
