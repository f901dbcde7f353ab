from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours.accounts.permissions import can
from encours.core.errors import EncoursError
from encours.disputes import selectors, services
from encours.disputes.attachments import attachment_add
from encours.disputes.forms import AssignForm, AttachmentForm, CommentForm, DisputeFilterForm, DisputeForm, parse_parts
from encours.disputes.models import Attachment, Notification
from encours.ledger.models import ItemType
from encours.ledger.selectors import customer_get, customers_for
from encours.web.params import as_of_param
from encours.web.refusals import refusal_text


@login_required
def dispute_list(request: HttpRequest, mine: bool = False) -> HttpResponse:
    as_of = as_of_param(request)
    form = DisputeFilterForm(request.GET or None, user=request.user)
    filters = form.filters(mine=mine)
    disputes = selectors.dispute_list(user=request.user, filters=filters, as_of=as_of)
    page = Paginator(disputes, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "sort": filters.sort, "as_of": as_of, "mine": mine}
    template = "disputes/_table.html" if request.htmx else "disputes/list.html"
    return render(request, template, context)


def _detail_context(request: HttpRequest, dispute: Any) -> dict[str, Any]:
    user = request.user
    return {
        "dispute": dispute,
        "lines": dispute.lines.select_related("item").order_by("item__due_date"),
        "events": dispute.events.select_related("actor"),
        "attachments": dispute.attachments.all(),
        "can_manage": can(user, "disputes.manage"),
        "can_comment": can(user, "disputes.comment"),
        "comment_form": CommentForm(),
        "assign_form": AssignForm(user=user, initial={"owner": dispute.owner_id, "department": dispute.department}),
        "attachment_form": AttachmentForm(),
        "as_of": timezone.localdate(),
    }


def _render_detail(request: HttpRequest, dispute: Any, error: str = "") -> HttpResponse:
    dispute = selectors.dispute_get(user=request.user, pk=dispute.pk)
    context = _detail_context(request, dispute)
    context["error"] = error
    if request.htmx:
        return render(request, "disputes/_detail_body.html", context)
    if error:
        messages.error(request, error)
        return redirect("disputes:detail", pk=dispute.pk)
    return redirect("disputes:detail", pk=dispute.pk)


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = selectors.dispute_get(user=request.user, pk=pk)
    Notification.objects.filter(user=request.user, dispute=dispute, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "disputes/detail.html", _detail_context(request, dispute))


def _manage(request: HttpRequest, pk: int) -> Any:
    dispute = selectors.dispute_get(user=request.user, pk=pk)
    if not can(request.user, "disputes.manage"):
        raise PermissionDenied
    return dispute


@login_required
@require_POST
def dispute_transition(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _manage(request, pk)
    credited = request.POST.get("amount_credited", "").strip().replace(",", ".")
    try:
        services.dispute_transition(
            dispute=dispute,
            status=request.POST.get("status", ""),
            user=request.user,
            note=request.POST.get("note", ""),
            amount_credited=credited or None,
        )
    except (EncoursError, ArithmeticError) as exc:
        return _render_detail(request, dispute, refusal_text(exc))
    return _render_detail(request, dispute)


@login_required
@require_POST
def dispute_comment(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = selectors.dispute_get(user=request.user, pk=pk)
    if not can(request.user, "disputes.comment"):
        raise PermissionDenied
    try:
        services.comment_add(dispute=dispute, user=request.user, body=request.POST.get("body", ""))
    except EncoursError as exc:
        return _render_detail(request, dispute, refusal_text(exc))
    return _render_detail(request, dispute)


@login_required
@require_POST
def dispute_assign(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _manage(request, pk)
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_detail(request, dispute, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    services.dispute_assign(
        dispute=dispute, user=request.user, owner=form.cleaned_data["owner"], department=form.cleaned_data["department"]
    )
    return _render_detail(request, dispute)


@login_required
@require_POST
def dispute_attach(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = selectors.dispute_get(user=request.user, pk=pk)
    if not can(request.user, "disputes.comment"):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, dispute, _("Choose a file to attach."))
    try:
        attachment_add(dispute=dispute, user=request.user, upload=form.cleaned_data["file"])
    except EncoursError as exc:
        return _render_detail(request, dispute, refusal_text(exc))
    return _render_detail(request, dispute)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    dispute = selectors.dispute_get(user=request.user, pk=pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, dispute=dispute)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def dispute_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "disputes.create"):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    customer_id = source.get("customer", "")
    if not customer_id.isdigit():
        customers = customers_for(request.user).order_by("name")[:500]
        return render(request, "disputes/choose_customer.html", {"customers": customers})
    customer = customer_get(user=request.user, pk=int(customer_id))
    open_items = {
        item.pk: item
        for item in customer.items.filter(type__in=[ItemType.INVOICE, ItemType.ADJUSTMENT])
        .open_debits()
        .order_by("due_date", "number")
    }
    preselected = {int(x) for x in request.GET.get("items", "").split(",") if x.strip().isdigit()}
    form = DisputeForm(request.POST or None, user=request.user)
    errors: list[str] = []
    if request.method == "POST":
        parts, errors = parse_parts(request.POST, open_items)
        preselected = {item.pk for item, _amount in parts}
        if form.is_valid() and not errors:
            data = form.cleaned_data
            try:
                dispute = services.dispute_create(
                    user=request.user,
                    customer=customer,
                    reason=data["reason"],
                    parts=[services.DisputedPart(item, amount) for item, amount in parts],
                    department=data["department"],
                    owner=data["owner"],
                    opened_on=data["opened_on"],
                    expected_resolution_on=data["expected_resolution_on"],
                    description=data["description"],
                    credit_note_reference=data["credit_note_reference"],
                )
            except EncoursError as exc:
                errors.append(refusal_text(exc))
            else:
                messages.success(request, _("Dispute #%(pk)s opened.") % {"pk": dispute.pk})
                return redirect("disputes:detail", pk=dispute.pk)
    context = {
        "customer": customer,
        "form": form,
        "items": list(open_items.values()),
        "preselected": preselected,
        "errors": errors,
        "amounts": {key: request.POST.get(key, "") for key in request.POST if key.startswith("amount_")},
    }
    return render(request, "disputes/create.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("disputes:notifications")
    found = Notification.objects.filter(user=request.user).select_related("dispute__customer")[:200]
    return render(request, "disputes/notifications.html", {"notifications": found})


@login_required
def report(request: HttpRequest) -> HttpResponse:
    from encours.disputes.charts import flow_chart_data

    as_of = as_of_param(request)
    disputes = selectors.disputes_for(request.user)
    by_reason = selectors.figures_by(disputes=disputes, as_of=as_of)
    by_department = selectors.figures_by(disputes=disputes, as_of=as_of, by="department")
    flow = selectors.weekly_flow(disputes=disputes, as_of=as_of)
    context = {
        "as_of": as_of,
        "by_reason": by_reason,
        "by_department": [line for line in by_department if line.open_count or line.resolved_count],
        "flow": flow,
        "chart_data": flow_chart_data(flow, by_reason),
        "overdue": selectors.overdue_sla(disputes=disputes, as_of=as_of).count(),
    }
    return render(request, "disputes/report.html", context)
