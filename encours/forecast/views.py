from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours import contracts
from encours.accounts.models import Role
from encours.accounts.permissions import can
from encours.core.errors import EncoursError
from encours.forecast import adaptive, charts, exports
from encours.forecast.models import DunningSuggestion, PaymentModel
from encours.forecast.selectors import active_model, forecast_accuracy_of
from encours.forecast.services import cash_forecast
from encours.jobs.models import Job
from encours.jobs.services import job_start
from encours.ledger.models import Customer, LegalEntity
from encours.ledger.selectors import customers_for, entities_for
from encours.web.params import as_of_param
from encours.web.refusals import refusal_text

# whose scope is a whole entity: they may compare a whole entity's forecast with its receipts
ENTITY_WIDE_ROLES = {Role.CREDIT_MANAGER, Role.COLLECTOR, Role.AUDITOR, Role.ADMIN}


def _entity(request: HttpRequest) -> LegalEntity | None:
    entity_id = request.GET.get("entity", "")
    if not entity_id.isdigit():
        return None
    return get_object_or_404(entities_for(request.user), pk=int(entity_id))


def _scope(request: HttpRequest, entity: LegalEntity | None) -> QuerySet[Customer]:
    customers = customers_for(request.user)
    return customers.filter(entity=entity) if entity else customers


def _sees_whole_entities(user: Any) -> bool:
    return bool(user.is_admin or user.role in ENTITY_WIDE_ROLES)


def _forecast_context(request: HttpRequest) -> dict[str, Any]:
    as_of, entity = as_of_param(request), _entity(request)
    entities = entities_for(request.user)
    names = {str(e.pk): e.name for e in entities}
    forecast = cash_forecast(customers=_scope(request, entity), as_of=as_of)
    series = [{"series": s, "entity_name": names.get(s.entity, s.entity)} for s in forecast.series]
    accuracy = []
    if _sees_whole_entities(request.user):
        ids = [entity.pk] if entity else [e.pk for e in entities]
        accuracy = [
            {"row": row, "entity_name": names.get(str(row.entity_id), row.entity_id)}
            for row in forecast_accuracy_of(entity_ids=ids, as_of=as_of)
        ]
    return {
        "as_of": as_of,
        "entity": entity,
        "entities": entities,
        "forecast": forecast,
        "series": series,
        "accuracy": accuracy,
        "accuracy_shown": _sees_whole_entities(request.user),
        "model": active_model(),
    }


@login_required
def cash(request: HttpRequest) -> HttpResponse:
    context = _forecast_context(request)
    context["chart_data"] = charts.forecast_charts(context["series"], context["accuracy"])
    return render(request, "forecast/cash.html", context)


@login_required
def cash_xlsx(request: HttpRequest) -> HttpResponse:
    context = _forecast_context(request)
    response = HttpResponse(
        exports.forecast_xlsx(context),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="cash-forecast-{context["as_of"].isoformat()}.xlsx"'
    return response


@login_required
def model(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not can(request.user, "forecast.train"):  # type: ignore[arg-type]
            raise PermissionDenied
        as_of = timezone.localdate().isoformat()
        job = job_start(kind="forecast.train", params={"as_of": as_of}, user=request.user, label=_("Payment model"))
        return redirect("forecast:model_job", pk=job.pk)
    context = {
        "model": active_model(),
        "history": PaymentModel.objects.all()[:10],
        "jobs": Job.objects.filter(kind="forecast.train").select_related("created_by")[:5],
        "can_train": can(request.user, "forecast.train"),  # type: ignore[arg-type]
    }
    return render(request, "forecast/model.html", context)


@login_required
def model_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, kind="forecast.train")
    template = "jobs/_job.html" if request.htmx else "forecast/model_job.html"
    return render(request, template, {"job": job})


@login_required
def dunning(request: HttpRequest) -> HttpResponse:
    customers = customers_for(request.user)
    status = request.GET.get("status", DunningSuggestion.Status.PENDING)
    suggestions = (
        DunningSuggestion.objects.filter(customer__in=customers, status=status)
        .select_related("customer", "decided_by")
        .order_by("-expected_days_saved", "customer__name")[:200]
    )
    context = {
        "suggestions": suggestions,
        "status": status,
        "statuses": DunningSuggestion.Status.choices,
        "can_decide": can(request.user, "forecast.train"),  # type: ignore[arg-type]
        "can_apply": contracts.can_apply_dunning_timing(),
        "history_known": adaptive.dunning_history_known(),
    }
    return render(request, "forecast/dunning.html", context)


@login_required
@require_POST
def dunning_refresh(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "forecast.train"):  # type: ignore[arg-type]
        raise PermissionDenied
    count = adaptive.dunning_suggestions_refresh(as_of=timezone.localdate(), user=request.user)
    messages.success(request, _("%(count)d suggestion(s) to review.") % {"count": count})
    return redirect("forecast:dunning")


@login_required
@require_POST
def dunning_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if not can(request.user, "forecast.train"):  # type: ignore[arg-type]
        raise PermissionDenied
    suggestion = get_object_or_404(DunningSuggestion.objects.filter(customer__in=customers_for(request.user)), pk=pk)
    try:
        if decision == "approve":
            adaptive.dunning_suggestion_approve(suggestion=suggestion, user=request.user)
            messages.success(request, _("Dunning timing of %(name)s changed.") % {"name": suggestion.customer.name})
        else:
            adaptive.dunning_suggestion_reject(suggestion=suggestion, user=request.user)
            messages.info(request, _("Suggestion rejected."))
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("forecast:dunning")
