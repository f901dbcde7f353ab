"""Risk pages: customer risk, portfolio map, review list, held orders, alerts, limits, statements, settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours import contracts
from encours.accounts.permissions import can
from encours.core.errors import EncoursError, ImportRejected
from encours.core.money import D
from encours.jobs.models import Job
from encours.jobs.services import job_start
from encours.ledger.selectors import customer_get, customers_for
from encours.risk import pages, selectors, services
from encours.risk.alerting import (
    SEVERITY_RANK,
    customers_without_limit,
    limit_review_finding,
    limits_expiring,
    no_limit_finding,
)
from encours.risk.forms import GuaranteeForm, LimitRequestForm, SettingsForm, StatementForm, UploadForm
from encours.risk.imports import import_legal_events, import_ratings, import_statements
from encours.risk.models import Company, HeldOrder, RiskAlert
from encours.web.params import as_of_param, redirect_next
from encours.web.refusals import refusal_text

ALERTS_PAGE = 50
GRADE_COLOURS = {"A": "#2e7d32", "B": "#7cb342", "C": "#f2c744", "D": "#e07020", "E": "#b3261e"}


def _require(request: HttpRequest, capability: str) -> None:
    if not can(request.user, capability):  # type: ignore[arg-type]
        raise PermissionDenied


@login_required
def customer_risk(request: HttpRequest, pk: int) -> HttpResponse:
    as_of = as_of_param(request)
    customer = customer_get(user=request.user, pk=pk)
    settings = selectors.current_settings()
    risk = selectors.customer_risks([customer], as_of=as_of, settings=settings)[customer.pk]
    exposure = selectors.exposures([customer.pk], as_of=as_of).get(customer.pk) or selectors.empty_exposure(as_of)
    limit = selectors.current_limits([customer.pk], as_of=as_of).get(customer.pk)
    cover = contracts.covers(customer_ids=[customer.pk], as_of=as_of).get(customer.pk)
    years = pages.statements_over_years(customer.siren, settings) if customer.siren else []
    chart = pages.payer_chart(customer=customer, user=request.user, as_of=as_of)
    group_limit = group_exposure = None
    if customer.group_id:
        group_limit = selectors.current_group_limit(group_id=customer.group_id, as_of=as_of)
        group_exposure = selectors.group_exposure(group_id=customer.group_id, as_of=as_of)
    context: dict[str, Any] = {
        "customer": customer,
        "as_of": as_of,
        "risk": risk,
        "grade": risk.grade,
        "analysis": risk.analysis,
        "exposure": exposure,
        "limit": limit,
        "available": None if limit is None else limit.amount - exposure.net,
        "group_limit": group_limit,
        "group_exposure": group_exposure,
        "cover": cover,
        "recommendation": pages.recommendation(customer=customer, risk=risk, as_of=as_of, cover=cover),
        "years": years,
        "statement_rows": pages.statement_table(years),
        "chart_data": {"payer": {k: v for k, v in chart.items() if k != "trend"}},
        "trend": chart["trend"],
        "limits": selectors.limit_history(customer),
        "guarantees": customer.guarantees.all(),
        "alerts": customer.risk_alerts.select_related("assigned_to").order_by(
            F("closed_on").desc(nulls_first=True), "-raised_on", "-pk"
        )[:10],
        "held_orders": customer.held_orders.filter(status=HeldOrder.Status.HELD),
        "limit_form": LimitRequestForm(initial={"amount": limit.amount if limit else None}),
        "guarantee_form": GuaranteeForm(),
        "can_request": can(request.user, "risk.request_limit"),  # type: ignore[arg-type]
        "can_edit": can(request.user, "risk.edit"),  # type: ignore[arg-type]
        "can_approve": can(request.user, "risk.approve_limit"),  # type: ignore[arg-type]
    }
    return render(request, "risk/customer.html", context)


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    customers = customers_for(request.user)
    data = pages.portfolio_map(customers)
    chart_data = {
        "grades": {"labels": [g or _("not graded") for g, _a, _n in data.by_grade],
                   "values": [float(a) for _g, a, _n in data.by_grade],
                   "colours": [GRADE_COLOURS.get(g, "#8a94a6") for g, _a, _n in data.by_grade]},
        "sectors": {"labels": [f"NAF {s}" for s, _a, _n in data.by_sector],
                    "values": [float(a) for _s, a, _n in data.by_sector]},
    }  # fmt: skip
    context = {
        "as_of": as_of,
        "data": data,
        "chart_data": chart_data,
        "review": pages.review_list(customers, as_of=as_of, max_rows=10),
        "open_alerts": RiskAlert.objects.filter(customer__in=customers, closed_on__isnull=True).count(),
        "held": HeldOrder.objects.filter(customer__in=customers, status=HeldOrder.Status.HELD).count(),
        "pending": pages.pending_limits(customers).count(),
        "can_edit": can(request.user, "risk.edit"),  # type: ignore[arg-type]
    }
    return render(request, "risk/portfolio.html", context)


@login_required
@require_POST
def run_now(request: HttpRequest) -> HttpResponse:
    """Start the daily run (grades and alerts) as a background job and follow its progress."""
    _require(request, "risk.edit")
    job = job_start(kind="risk.daily_run", params={"as_of": as_of_param(request).isoformat()}, user=request.user,
                    label=_("Risk run"))  # fmt: skip
    return redirect("risk:job", pk=job.pk)


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "risk.edit")
    job = get_object_or_404(Job, pk=pk, kind="risk.daily_run")
    template = "jobs/_job.html" if getattr(request, "htmx", False) else "risk/job.html"
    return render(request, template, {"job": job})


@login_required
def review(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    rows = pages.review_list(customers_for(request.user), as_of=as_of)
    return render(request, "risk/review.html", {"rows": rows, "as_of": as_of})


# ---------------------------------------------------------------- held orders


@login_required
def held_orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", HeldOrder.Status.HELD)
    orders = (
        HeldOrder.objects.filter(customer__in=customers_for(request.user), status=status)
        .select_related("customer", "entity", "requested_by", "decided_by")
        .order_by("-created_at")[:300]
    )
    return render(request, "risk/held_orders.html", {"orders": orders, "status": status,
                                                      "can_edit": can(request.user, "risk.edit")})  # type: ignore[arg-type]  # fmt: skip


@login_required
@require_POST
def held_order_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "risk.edit")
    order = get_object_or_404(HeldOrder, pk=pk, customer__in=customers_for(request.user))
    try:
        services.held_order_decide(
            order=order, user=request.user, release=request.POST.get("action") == "release",
            comment=request.POST.get("comment", ""),
        )  # fmt: skip
        messages.success(request, _("Order %(ref)s: decision recorded.") % {"ref": order.reference or order.pk})
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("risk:held_orders")


# ---------------------------------------------------------------- alerts


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    """Open problems, most severe then largest exposure first, paginated; the portfolio findings on
    top: customers without a limit (``show=no_limit`` lists them) and limits expiring within the
    review notice (``show=expiring`` lists them, soonest first)."""
    show = request.GET.get("show", "open")
    customers = customers_for(request.user)
    settings, as_of = selectors.current_settings(), as_of_param(request)
    threshold = settings.no_limit_threshold
    finding = no_limit_finding(customers=customers, as_of=as_of, threshold=threshold)
    review = limit_review_finding(customers=customers, as_of=as_of, days=settings.limit_review_days)
    context: dict[str, Any] = {"show": show, "finding": finding, "review": review,
                               "can_edit": can(request.user, "risk.edit")}  # type: ignore[arg-type]  # fmt: skip
    if show == "expiring":
        expiring = limits_expiring(customers=customers, on=as_of, days=settings.limit_review_days)
        ordered = expiring.select_related("customer", "decided_by").order_by("expires_on", "-amount", "pk")
        page = Paginator(ordered, ALERTS_PAGE).get_page(request.GET.get("page"))
        for limit in page:
            limit.days_left = (limit.expires_on - as_of).days  # type: ignore[attr-defined,operator]
        context |= {"page": page, "days": settings.limit_review_days}
        return render(request, "risk/alerts_expiring.html", context)
    if show == "no_limit":
        rows = customers_without_limit(customers=customers, on=finding.on, threshold=threshold) if finding else None
        ordered = rows.select_related("customer").order_by("-net_exposure", "customer_id") if rows else []
        context["page"] = Paginator(ordered, ALERTS_PAGE).get_page(request.GET.get("page"))
        return render(request, "risk/alerts_no_limit.html", context)
    rows = RiskAlert.objects.filter(customer__in=customers).select_related("customer", "assigned_to", "acknowledged_by")
    if show == "open":
        rows = rows.filter(closed_on__isnull=True)
    elif show == "mine":
        rows = rows.filter(assigned_to=request.user, closed_on__isnull=True)
    elif show == "closed":
        rows = rows.filter(closed_on__isnull=False)
    severity = request.GET.get("severity", "")
    if severity in RiskAlert.Severity.values:
        rows = rows.filter(severity=severity)
    ordered = rows.annotate(rank=SEVERITY_RANK).order_by("-rank", "-exposure", "-raised_on", "-pk")
    users = get_user_model().objects.filter(is_active=True, role__in=("credit_manager", "collector", "admin"))
    context |= {"page": Paginator(ordered, ALERTS_PAGE).get_page(request.GET.get("page")), "severity": severity,
                "severities": RiskAlert.Severity.choices, "users": users.order_by("username")}  # fmt: skip
    return render(request, "risk/alerts.html", context)


@login_required
@require_POST
def alert_action(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(RiskAlert, pk=pk, customer__in=customers_for(request.user))
    acknowledging_own = alert.assigned_to_id == request.user.pk and request.POST.get("action") != "assign"
    if not (can(request.user, "risk.edit") or acknowledging_own):  # type: ignore[arg-type]
        raise PermissionDenied  # the risk desk, or the assignee acknowledging
    try:
        if request.POST.get("action") == "assign":
            assignee = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
            services.alert_assign(alert=alert, user=request.user, assignee=assignee)
        else:
            services.alert_acknowledge(alert=alert, user=request.user, comment=request.POST.get("comment", ""))
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect_next(request, reverse("risk:alerts"))


# ---------------------------------------------------------------- limits and guarantees


def _decimal(text: str) -> Decimal | None:
    try:
        value = D(text) if text.strip() else None
    except EncoursError:
        return None
    return value if value is not None and value >= 0 else None


@login_required
@require_POST
def limit_request(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    _require(request, "risk.request_limit")
    form = LimitRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("risk:customer", pk=pk)
    data = form.cleaned_data
    try:
        services.limit_request(
            user=request.user, amount=data["amount"], customer=None if data["for_group"] else customer,
            group=customer.group if data["for_group"] else None, valid_from=data["valid_from"],
            expires_on=data["expires_on"], comment=data["comment"],
            recommended=_decimal(request.POST.get("recommended", "")),
        )  # fmt: skip
        messages.success(request, _("Limit request recorded; it awaits approval."))
    except (EncoursError, ValueError) as exc:
        messages.error(request, refusal_text(exc))
    return redirect("risk:customer", pk=pk)


@login_required
def limits(request: HttpRequest) -> HttpResponse:
    pending = list(pages.pending_limits(customers_for(request.user)))
    for limit in pending:
        limit.may_approve = services.may_approve(request.user, limit.amount)  # type: ignore[attr-defined]
    return render(request, "risk/limits.html", {"pending": pending, "thresholds": services.approval_thresholds()})


@login_required
@require_POST
def limit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "risk.approve_limit")
    customers = customers_for(request.user)
    limit = get_object_or_404(pages.pending_limits(customers), pk=pk)
    try:
        services.limit_decide(limit=limit, user=request.user, approve=request.POST.get("action") == "approve",
                              comment=request.POST.get("comment", ""))  # fmt: skip
        messages.success(request, _("Decision recorded."))
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect_next(request, reverse("risk:limits"))


@login_required
@require_POST
def guarantee_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    _require(request, "risk.edit")
    form = GuaranteeForm(request.POST)
    if form.is_valid():
        try:
            services.guarantee_create(customer=customer, user=request.user, **form.cleaned_data)
            messages.success(request, _("Guarantee recorded."))
        except EncoursError as exc:
            messages.error(request, refusal_text(exc))
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("risk:customer", pk=pk)


# ---------------------------------------------------------------- statements


@login_required
def statement_entry(request: HttpRequest) -> HttpResponse:
    _require(request, "risk.edit")
    initial = {"siren": request.GET.get("siren", ""), "year": request.GET.get("year", "")}
    form = StatementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.statement_save(siren=data["siren"], year=data["year"], values=form.amounts(), user=request.user,
                                    name=data["name"], closed_on=data["closed_on"])  # type: ignore[arg-type]  # fmt: skip
        except EncoursError as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("Statement %(year)s of %(siren)s saved.") % data)
            customer = customers_for(request.user).filter(siren=data["siren"]).first()
            return redirect("risk:customer", pk=customer.pk) if customer else redirect("risk:companies")
    return render(request, "risk/statement_form.html", {"form": form})


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _require(request, "risk.edit")
    form = UploadForm(request.POST or None, request.FILES or None)
    report = errors = None
    if request.method == "POST" and form.is_valid():
        importer = {"statements": import_statements, "ratings": import_ratings,
                    "legal_events": import_legal_events}[form.cleaned_data["kind"]]  # fmt: skip
        upload_file = form.cleaned_data["file"]
        try:
            report = importer(raw=upload_file.read(), file_name=upload_file.name,
                              mapping_name=form.cleaned_data["mapping"] or None, user=request.user)  # fmt: skip
        except ImportRejected as exc:
            errors = exc.errors
        except EncoursError as exc:
            messages.error(request, refusal_text(exc))
    return render(request, "risk/upload.html", {"form": form, "report": report, "errors": errors})


@login_required
def companies(request: HttpRequest) -> HttpResponse:
    """Companies with statements that are not (yet) customers: prospects being assessed."""
    from encours.ledger.models import Customer

    customer_sirens = Customer.objects.exclude(siren="").values("siren")
    prospects = Company.objects.exclude(siren__in=customer_sirens).prefetch_related("statements").order_by("name")[:300]
    return render(request, "risk/companies.html", {"companies": prospects})


@login_required
def company(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.scoped_company(customers=customers_for(request.user), pk=pk)
    if found is None:
        raise Http404
    settings = selectors.current_settings()
    years = pages.statements_over_years(found.siren, settings)
    context = {"company": found, "years": years, "statement_rows": pages.statement_table(years),
               "events": found.legal_events.all(), "ratings": found.ratings.all()}  # fmt: skip
    return render(request, "risk/company.html", context)


# ---------------------------------------------------------------- settings


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    current = selectors.current_settings()
    form = SettingsForm(request.POST or None, instance=current if current.pk else None)
    if request.method == "POST":
        _require(request, "risk.edit")
        if form.is_valid():
            try:
                services.settings_save(user=request.user, **form.cleaned_data)
            except EncoursError as exc:
                messages.error(request, refusal_text(exc))
            else:
                messages.success(request, _("Risk settings saved; grades use them from now on."))
                return redirect("risk:settings")
    from encours.risk.models import RiskSettings

    history = RiskSettings.objects.select_related("created_by")[:10]
    return render(request, "risk/settings.html", {"form": form, "history": history,
                                                  "can_edit": can(request.user, "risk.edit")})  # type: ignore[arg-type]  # fmt: skip
