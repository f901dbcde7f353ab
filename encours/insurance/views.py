from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours.accounts.permissions import can
from encours.core.errors import EncoursError
from encours.core.terms import end_of_month
from encours.insurance.forms import AmountForm, DecisionForm, DecisionImportForm, PremiumForm
from encours.insurance.models import (
    Bordereau,
    Claim,
    CoverDecision,
    CoverRequest,
    DecisionMapping,
    Declaration,
    InsurancePolicy,
    PremiumStatement,
)
from encours.insurance.providers import DEADLINE_ALERT_DAYS, _undeclared
from encours.insurance.selectors.exposure import buyer_exposures, portfolio_totals
from encours.insurance.selectors.premiums import premium_basis
from encours.insurance.services import claims as claim_services
from encours.insurance.services import factoring as factoring_services
from encours.insurance.services import requests as request_services
from encours.insurance.services.claims import policy_of
from encours.insurance.services.covers import decision_record
from encours.insurance.services.premiums import premium_statement_create
from encours.jobs.selectors import job_get, jobs_for
from encours.jobs.services import job_start
from encours.ledger.models import ItemType
from encours.ledger.selectors import customer_get, customers_for, entities_for
from encours.web.params import as_of_param, redirect_next
from encours.web.refusals import refusal_text

CHART_BUYERS = 15
LIST_LIMIT = 200
MONTHS_SHOWN = 24
LINES = "lines__decision"


def _manager(request: HttpRequest) -> None:
    if not can(request.user, "insurance.manage"):
        raise PermissionDenied


def _done(request: HttpRequest, call: Any, success: str) -> bool:
    try:
        call()
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
        return False
    messages.success(request, success)
    return True


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    rows = buyer_exposures(customers=customers_for(request.user), as_of=as_of)
    insured = [r for r in rows if r.policy is not None]
    top = sorted(insured, key=lambda r: -r.exposure)[:CHART_BUYERS]
    chart = {
        "labels": [r.name[:28] for r in top],
        "exposure": [float(r.exposure) for r in top],
        "cover": [float(r.cover) for r in top],
        "exposure_label": _("Exposure"),
        "cover_label": _("Cover"),
        "currency": top[0].currency if top else "EUR",
    }
    uncovered = sorted((r for r in insured if r.uncovered > 0), key=lambda r: -r.uncovered)
    context = {
        "as_of": as_of,
        "totals": portfolio_totals(insured),
        "uncovered": uncovered[:LIST_LIMIT],
        "uncovered_count": len(uncovered),
        "chart": chart if top else None,
        "pending_requests": CoverRequest.objects.filter(
            customer__in=customers_for(request.user), status=CoverRequest.Status.PENDING
        ).count(),
        "can_manage": can(request.user, "insurance.manage"),
    }
    return render(request, "insurance/portfolio.html", context)


@login_required
def buyer(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    as_of = as_of_param(request)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        _manager(request)
        policy = policy_of(customer=customer, on=as_of)
        if policy is None:
            messages.error(request, _("No insurance policy is in force for this customer's entity."))
        elif form.is_valid():
            data = form.cleaned_data
            _done(
                request,
                lambda: decision_record(
                    policy=policy,
                    customer=customer,
                    decision=data["decision"],
                    granted_amount=data["granted_amount"],
                    effective_on=data["effective_on"],
                    expires_on=data["expires_on"],
                    note=data["note"],
                    user=request.user,
                ),
                _("Decision recorded."),
            )
            return redirect("insurance:buyer", pk=pk)
    rows = buyer_exposures(customers=customers_for(request.user).filter(pk=pk), as_of=as_of)
    context = {
        "customer": customer,
        "as_of": as_of,
        "row": rows[0] if rows else None,
        "history": CoverDecision.objects.filter(customer=customer).select_related("policy"),
        "requests": CoverRequest.objects.filter(customer=customer).select_related("decision"),
        "declarations": Declaration.objects.filter(customer=customer).select_related("claim"),
        "form": form,
        "can_manage": can(request.user, "insurance.manage"),
    }
    return render(request, "insurance/buyer.html", context)


@login_required
def decision_import(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = DecisionImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}-{Path(upload.name).name}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        mapping = form.cleaned_data["mapping"]
        params = {
            "path": str(path),
            "file_name": upload.name,
            "entity": form.cleaned_data["entity"].siren,
            "policy": form.cleaned_data["policy"],
            "insurer": form.cleaned_data["insurer"],
            "mapping": mapping.name if mapping else "",
        }
        job = job_start(
            kind="insurance.import_decisions", params=params, user=request.user, label=upload.name,
            entity=form.cleaned_data["entity"],
        )  # fmt: skip
        return redirect("insurance:import_job", pk=job.pk)
    context = {
        "form": form,
        "jobs": jobs_for(request.user, kind_prefix="insurance.import_decisions").select_related("created_by")[:20],
        "mappings": DecisionMapping.objects.all(),
    }
    return render(request, "insurance/import.html", context)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    job = job_get(user=request.user, pk=pk, kind_prefix="insurance.import_decisions")
    template = "jobs/_job.html" if request.htmx else "insurance/import_job.html"
    return render(request, template, {"job": job})


def _requests_for(request: HttpRequest) -> Any:
    return CoverRequest.objects.filter(customer__in=customers_for(request.user)).select_related(
        "customer", "policy", "decision", "approved_by"
    )


@login_required
def cover_requests(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    if request.method == "POST":
        _manager(request)
        created = request_services.cover_requests_prepare(
            customers=customers_for(request.user), as_of=as_of, user=request.user
        )
        messages.success(request, _("%(count)d cover request(s) prepared.") % {"count": len(created)})
        return redirect("insurance:requests")
    requests = _requests_for(request)
    context = {
        "as_of": as_of,
        "pending": requests.filter(status=CoverRequest.Status.PENDING),
        "tracked": requests.filter(status__in=[CoverRequest.Status.SENT, CoverRequest.Status.EXPORTED]),
        "closed": requests.filter(status__in=[CoverRequest.Status.DECIDED, CoverRequest.Status.DISMISSED])[:50],
        "can_manage": can(request.user, "insurance.manage"),
    }
    return render(request, "insurance/requests.html", context)


@login_required
@require_POST
def cover_request_action(request: HttpRequest, pk: int) -> HttpResponse:
    cover_request = get_object_or_404(_requests_for(request), pk=pk)
    _manager(request)
    action = request.POST.get("action", "")
    if action == "dismiss":
        _done(
            request,
            lambda: request_services.cover_request_dismiss(request=cover_request, user=request.user),
            _("Request dismissed."),
        )
    elif action in ("email", "export"):
        ok = _done(
            request,
            lambda: request_services.cover_request_approve(request=cover_request, user=request.user, channel=action),
            _("Request approved and e-mailed to the insurer.")
            if action == "email"
            else _("Request approved: download the file for the insurer portal."),
        )
        if ok and action == "export":
            return redirect("insurance:request_export", pk=pk)
    return redirect("insurance:requests")


@login_required
def cover_request_export(request: HttpRequest, pk: int) -> HttpResponse:
    cover_request = get_object_or_404(_requests_for(request), pk=pk)
    response = HttpResponse(request_services.cover_requests_csv([cover_request]), content_type="text/csv")
    name = f"demande-agrement-{cover_request.customer.account_number}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def cover_request_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    cover_request = get_object_or_404(_requests_for(request), pk=pk)
    response = HttpResponse(request_services.cover_request_pdf(cover_request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="demande-agrement-{cover_request.customer.account_number}.pdf"'
    return response


@login_required
def declarations(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    customers = customers_for(request.user)
    rows = _undeclared(buyer_exposures(customers=customers, as_of=as_of))
    week_end = as_of + timedelta(days=DEADLINE_ALERT_DAYS)
    due = sorted(
        (r for r in rows if r.declaration_deadline and r.declaration_deadline <= week_end),
        key=lambda r: r.declaration_deadline or as_of,
    )
    context = {
        "as_of": as_of,
        "due": due,
        "week_end": week_end,
        "recorded": Declaration.objects.filter(customer__in=customers)
        .select_related("customer", "policy", "claim")
        .prefetch_related(LINES)[:LIST_LIMIT],
        "can_manage": can(request.user, "insurance.manage"),
    }
    return render(request, "insurance/declarations.html", context)


@login_required
@require_POST
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    _manager(request)
    as_of = as_of_param(request)
    overdue = customer.items.filter(type=ItemType.INVOICE).overdue(as_of)
    _done(
        request,
        lambda: claim_services.declaration_create(
            customer=customer,
            items=list(overdue),
            declared_on=as_of,
            user=request.user,
            reference=request.POST.get("reference", ""),
        ),
        _("Overdue declared to the insurer."),
    )
    return redirect_next(request, reverse("insurance:declarations"))


def _claims_for(request: HttpRequest) -> Any:
    return Claim.objects.filter(declaration__customer__in=customers_for(request.user)).select_related(
        "declaration__customer", "declaration__policy"
    )


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    context = {
        "claims": _claims_for(request).prefetch_related("payments", "recoveries", f"declaration__{LINES}")[:LIST_LIMIT],
        "form": AmountForm(initial={"on": timezone.localdate()}),
        "can_manage": can(request.user, "insurance.manage"),
    }
    return render(request, "insurance/claims.html", context)


@login_required
@require_POST
def claim_open(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = get_object_or_404(Declaration.objects.filter(customer__in=customers_for(request.user)), pk=pk)
    _manager(request)
    _done(
        request,
        lambda: claim_services.claim_open(declaration=declaration, opened_on=timezone.localdate(), user=request.user),
        _("Claim filed."),
    )
    return redirect("insurance:claims")


@login_required
@require_POST
def claim_money(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    claim = get_object_or_404(_claims_for(request), pk=pk)
    _manager(request)
    form = AmountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter an amount and a date."))
        return redirect("insurance:claims")
    data = form.cleaned_data
    if kind == "payment":
        _done(
            request,
            lambda: claim_services.insurer_payment_record(
                claim=claim,
                amount=data["amount"],
                paid_on=data["on"],
                user=request.user,
                reference=data["reference"],
            ),
            _("Insurer payment recorded."),
        )
    else:
        _done(
            request,
            lambda: claim_services.recovery_record(
                claim=claim,
                amount=data["amount"],
                received_on=data["on"],
                user=request.user,
                note=data["reference"],
            ),
            _("Recovery recorded."),
        )
    return redirect("insurance:claims")


def _policies_for(request: HttpRequest) -> Any:
    return InsurancePolicy.objects.filter(entity__in=entities_for(request.user)).select_related("entity")


@login_required
def premiums(request: HttpRequest) -> HttpResponse:
    """Premium statements per month, and what the last closed month would give for each policy."""
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    policies = list(_policies_for(request))
    previews = [
        premium_basis(policy=p, period_start=last_month.replace(day=1), period_end=end_of_month(last_month))
        for p in policies
    ]
    context = {
        "previews": previews,
        "statements": PremiumStatement.objects.filter(policy__in=policies).select_related("policy")[
            : MONTHS_SHOWN * max(1, len(policies))
        ],
        "form": PremiumForm(policies=policies, initial={"month": last_month.strftime("%Y-%m")}),
        "can_manage": can(request.user, "insurance.manage"),
    }
    return render(request, "insurance/premiums.html", context)


@login_required
@require_POST
def premium_declare(request: HttpRequest) -> HttpResponse:
    _manager(request)
    policies = list(_policies_for(request))
    form = PremiumForm(request.POST, policies=policies)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else field}: {errors[0]}")
        return redirect("insurance:premiums")
    _done(
        request,
        lambda: premium_statement_create(
            policy=form.cleaned_data["policy"],
            month=form.cleaned_data["month"],
            user=request.user,
            today=timezone.localdate(),
        ),
        _("Premium statement recorded."),
    )
    return redirect("insurance:premiums")


def _contracts_for(request: HttpRequest) -> Any:
    return factoring_services.contracts_for(request.user)


@login_required
def factoring(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    contracts = list(_contracts_for(request).select_related("entity"))
    positions = [factoring_services.factoring_position(contract=c, as_of=as_of) for c in contracts]
    context = {
        "as_of": as_of,
        "positions": positions,
        "bordereaux": Bordereau.objects.filter(contract__in=contracts).select_related("contract")[:50],
        "returns": {c.pk: factoring_services.returns_due(contract=c, as_of=as_of) for c in contracts},
        "form": AmountForm(initial={"on": as_of}),
        "can_manage": can(request.user, "insurance.manage"),
    }
    return render(request, "insurance/factoring.html", context)


@login_required
@require_POST
def factoring_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    contract = get_object_or_404(_contracts_for(request), pk=pk)
    _manager(request)
    if action == "returns":
        on = as_of_param(request)
        _done(
            request,
            lambda: factoring_services.returns_apply(contract=contract, as_of=on, user=request.user),
            _("Returns recorded."),
        )
    elif action == "draw":
        form = AmountForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            _done(
                request,
                lambda: factoring_services.drawing_record(
                    contract=contract,
                    amount=data["amount"],
                    drawn_on=data["on"],
                    user=request.user,
                    note=data["reference"],
                ),
                _("Drawing recorded."),
            )
        else:
            messages.error(request, _("Enter an amount and a date."))
    else:
        raise Http404
    return redirect("insurance:factoring")


@login_required
def bordereau_new(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(_contracts_for(request), pk=pk)
    _manager(request)
    as_of = as_of_param(request)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()]
        items = list(factoring_services.assignable_items(contract).filter(pk__in=ids))
        try:
            bordereau = factoring_services.bordereau_create(
                contract=contract, items=items, assigned_on=as_of, user=request.user
            )
        except EncoursError as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("Bordereau %(number)s created.") % {"number": bordereau})
            return redirect("insurance:bordereau", pk=bordereau.pk)
    candidates = (
        factoring_services.assignable_items(contract)
        .filter(type=ItemType.INVOICE, due_date__gte=as_of)
        .select_related("customer")
        .order_by("customer__name", "due_date")[:300]
    )
    approved = set(contract.approvals.values_list("customer_id", flat=True))
    return render(
        request,
        "insurance/bordereau_new.html",
        {"contract": contract, "candidates": candidates, "approved": approved, "as_of": as_of},
    )


def _bordereau(request: HttpRequest, pk: int) -> Bordereau:
    return get_object_or_404(Bordereau.objects.filter(contract__in=_contracts_for(request)), pk=pk)


@login_required
def bordereau(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _bordereau(request, pk)
    lines = batch.lines.select_related("item__customer").order_by("item__number")
    return render(request, "insurance/bordereau.html", {"bordereau": batch, "lines": lines})


@login_required
def bordereau_export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _bordereau(request, pk)
    response = HttpResponse(factoring_services.bordereau_csv(batch), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="bordereau-{batch}.csv"'
    return response
