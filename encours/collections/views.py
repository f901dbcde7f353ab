from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours.accounts.permissions import can
from encours.collections import documents, execution, panels, selectors, services, texts
from encours.collections.forms import (
    CallForm,
    CustomerDunningForm,
    PromiseForm,
    RateForm,
    RunForm,
    ScenarioForm,
    StepForm,
    TextForm,
)
from encours.collections.models import CallTask, DunningRun, DunningScenario, DunningStep, DunningText, PenaltyRate
from encours.core.errors import EncoursError
from encours.jobs.models import Job
from encours.jobs.services import job_start
from encours.ledger.models import Customer
from encours.ledger.selectors import customer_get, customers_for, entities_for
from encours.web.params import as_of_param, int_param, redirect_next
from encours.web.refusals import refusal_text


def _require(request: HttpRequest, capability: str) -> None:
    if not can(request.user, capability):  # type: ignore[arg-type]
        raise PermissionDenied


def dispute_url(customer_id: int) -> str:
    """The disputes app's creation page, when it exists (hidden otherwise)."""
    try:
        return reverse("disputes:create") + f"?customer={customer_id}"
    except NoReverseMatch:
        return ""


TASKS_SHOWN = 25  # the most urgent; the rest behind "show all"


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    as_of = as_of_param(request)
    collector = request.GET.get("collector")
    limit = min(max(int(request.GET["limit"]), 10), 500) if request.GET.get("limit", "").isdigit() else 50
    page = selectors.worklist(
        user=request.user, as_of=as_of, collector_id=int(collector) if collector and collector.isdigit() else None,
        limit=limit,
    )  # fmt: skip
    collectors = (
        customers_for(request.user)
        .exclude(collector=None)
        .values_list("collector_id", "collector__first_name", "collector__last_name")
        .distinct()
        .order_by("collector__last_name")
    )
    all_tasks = request.GET.get("tasks") == "all"
    context = {
        "page": page,
        "as_of": as_of,
        "tasks": page.tasks if all_tasks else page.tasks[:TASKS_SHOWN],
        "collectors": collectors,
        "can_act": can(request.user, "collections.act"),  # type: ignore[arg-type]
        "dispute_base": dispute_url(0).rsplit("?", 1)[0],
        # one reverse() per page, not six per line: the list is the collector's hot path
        "action_base": reverse("collections:call", args=[0]).removesuffix("0/call/"),
        "customer_base": reverse("ledger:customer", args=[0]).removesuffix("0/"),
        "limit": limit,
    }
    return render(request, "collections/worklist.html", context)


def _customer_for_action(request: HttpRequest, pk: int) -> Customer:
    customer = customer_get(user=request.user, pk=pk)
    _require(request, "collections.act")
    return customer


def _row_done(request: HttpRequest, customer: Customer, text: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "collections/_action_done.html", {"customer": customer, "text": text})
    messages.success(request, text)
    return redirect_next(request, reverse("collections:worklist"))


@login_required
def call_log(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for_action(request, pk)
    form = CallForm(request.POST or None, initial={"task": request.GET.get("task")})
    if request.method == "POST" and form.is_valid():
        task = None
        if form.cleaned_data["task"]:
            task = get_object_or_404(CallTask, pk=form.cleaned_data["task"], customer=customer)
        try:
            services.call_log(
                customer=customer, user=request.user, outcome=form.cleaned_data["outcome"], on=as_of_param(request),
                note=form.cleaned_data["note"], task=task, call_back_on=form.cleaned_data["call_back_on"],
            )  # fmt: skip
        except EncoursError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            if form.cleaned_data["outcome"] == CallTask.Outcome.PROMISE:
                return promise_record(request, pk, fresh=True)
            return _row_done(request, customer, _("Call logged."))
    return render(request, "collections/_call_form.html", {"customer": customer, "form": form})


@login_required
def promise_record(request: HttpRequest, pk: int, fresh: bool = False) -> HttpResponse:
    customer = _customer_for_action(request, pk)
    items = selectors.promisable_items(customer=customer)
    form = PromiseForm(None if fresh else request.POST or None, items=items)
    if request.method == "POST" and not fresh and form.is_valid():
        try:
            services.promise_create(
                customer=customer, items=list(form.cleaned_data["items"]), amount=form.cleaned_data["amount"],
                promised_date=form.cleaned_data["promised_date"], made_on=as_of_param(request), user=request.user,
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except EncoursError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            return _row_done(request, customer, _("Promise recorded: dunning of these invoices pauses."))
    return render(request, "collections/_promise_form.html", {"customer": customer, "form": form})


@login_required
@require_POST
def statement_send(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for_action(request, pk)
    try:
        services.statement_send(customer=customer, as_of=as_of_param(request), user=request.user)
    except EncoursError as exc:
        return _row_done(request, customer, refusal_text(exc))
    return _row_done(request, customer, _("Statement sent."))


@login_required
@require_POST
def snooze(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer_for_action(request, pk)
    days = int_param(request, "days", default=7, minimum=1, maximum=90)
    until = as_of_param(request) + timedelta(days=days)
    services.worklist_snooze(customer=customer, user=request.user, until=until)
    return _row_done(request, customer, _("Snoozed until %(date)s.") % {"date": until.strftime("%d/%m/%Y")})


@login_required
def statement(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    as_of = as_of_param(request)
    name = f"statement-{customer.account_number}-{as_of}"
    if fmt not in ("pdf", "xlsx"):
        raise Http404("unknown format")
    if fmt == "pdf":
        content = documents.statement_pdf(customer=customer, as_of=as_of, language=request.LANGUAGE_CODE)
        response = HttpResponse(content, content_type="application/pdf")
    else:
        content = documents.statement_xlsx(customer=customer, as_of=as_of, language=request.LANGUAGE_CODE)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def message_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    message = selectors.message_get(user=request.user, pk=pk)
    if kind not in ("eml", "pdf"):
        raise Http404("unknown document")
    stored = message.eml if kind == "eml" else message.pdf
    if not stored:
        raise Http404("no such document")
    mime = "message/rfc822" if kind == "eml" else "application/pdf"
    return FileResponse(stored.open("rb"), content_type=mime, as_attachment=kind == "eml")


@login_required
@require_POST
def customer_settings(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    _require(request, "collections.act")
    form = CustomerDunningForm(request.POST, contacts=customer.contacts.all())
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.customer_dunning_update(
                customer=customer, user=request.user, scenario_id=data["scenario"].pk if data["scenario"] else None,
                paused_until=data["paused_until"], language=data["language"] or "",
                preferred_contact_id=data["preferred_contact"].pk if data["preferred_contact"] else None,
            )  # fmt: skip
            messages.success(request, _("Dunning settings saved."))
        except EncoursError as exc:
            messages.error(request, refusal_text(exc))
    else:
        messages.error(request, _("Check the dunning settings: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("ledger:customer", pk=customer.pk)


@login_required
@require_POST
def penalties_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(user=request.user, pk=pk)
    _require(request, "collections.configure")
    try:
        created = services.penalties_invoice(customer=customer, as_of=as_of_param(request), user=request.user)
        messages.success(
            request, _("Penalty invoice(s) created: %(numbers)s") % {"numbers": ", ".join(i.number for i in created)}
        )
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    return redirect("ledger:customer", pk=customer.pk)


@login_required
def customer_panel(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The customer page's collections panels, loaded by htmx after the page."""
    customer = customer_get(user=request.user, pk=pk)
    as_of = as_of_param(request)
    if kind == "penalties":
        context = panels.penalties_context(customer, as_of)
        if context is None:
            return HttpResponse("")
        return render(request, "collections/_panel_penalties.html", {"panel": context})
    if kind == "timeline":
        context = panels.timeline_context(request, customer, as_of)
        return render(request, "collections/_panel_timeline.html", {"panel": context})
    raise Http404("unknown panel")


# Runs: plan → review (exclude) → execute in the background


def _run_get(request: HttpRequest, pk: int) -> DunningRun:
    run = get_object_or_404(DunningRun, pk=pk)
    if run.entity_id and not entities_for(request.user).filter(pk=run.entity_id).exists():
        raise Http404("run not found")
    return run


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    _require(request, "collections.run")
    entities = entities_for(request.user)
    form = RunForm(request.POST or None, entities=entities, initial={"as_of": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        entity = form.cleaned_data["entity"]
        run = execution.run_create(
            as_of=form.cleaned_data["as_of"], user=request.user, entity_id=entity.pk if entity else None
        )
        return redirect("collections:run", pk=run.pk)
    visible = DunningRun.objects.filter(entity__isnull=True) | DunningRun.objects.filter(entity__in=entities)
    context = {"form": form, "runs": visible.select_related("entity", "created_by").order_by("-created_at")[:30]}
    return render(request, "collections/runs.html", context)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "collections.run")
    run = _run_get(request, pk)
    context = _run_context(request, run)
    template = "collections/_run_plan.html" if request.htmx else "collections/run.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _run_context(request: HttpRequest, run: DunningRun) -> dict[str, Any]:
    context: dict[str, Any] = {"run": run}
    if run.status == DunningRun.Status.PLANNED:
        plan = execution.run_plan(run, base=customers_for(request.user))
        decisions = Counter(d.decision.value for d in plan.decisions)
        context.update(
            plan=plan,
            decisions=sorted(decisions.items(), key=lambda pair: -pair[1]),
            excluded=[d for d in plan.decisions if d.decision.value.startswith("excluded")],
            undeliverable=sum(1 for m in plan.messages if not m.deliverable),
        )
    else:
        context.update(selectors.run_messages(run=run))
    if run.job_id:
        context["job"] = Job.objects.filter(pk=run.job_id).first()
    job_busy = context.get("job") is not None and not context["job"].finished
    context["can_retry"] = run.failed_messages > 0 and not job_busy and run.status != DunningRun.Status.EXECUTING
    return context


@login_required
@require_POST
def run_exclude(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "collections.run")
    run = _run_get(request, pk)
    if run.status != DunningRun.Status.PLANNED:
        raise PermissionDenied
    customer_id = request.POST.get("customer")
    item_id = request.POST.get("item")
    execution.run_exclude(
        run=run, user=request.user, customer_id=int(customer_id) if customer_id else None,
        item_id=int(item_id) if item_id else None,
    )  # fmt: skip
    run.refresh_from_db()
    return render(request, "collections/_run_plan.html", _run_context(request, run))


@login_required
@require_POST
def run_execute(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "collections.run")
    run = _run_get(request, pk)
    if run.status == DunningRun.Status.PLANNED and not run.job_id:
        job = job_start(
            kind="collections.dunning_run", params={"run_id": run.pk}, user=request.user,
            label=_("Dunning run as of %(date)s") % {"date": run.as_of.strftime("%d/%m/%Y")},
        )  # fmt: skip
        DunningRun.objects.filter(pk=run.pk).update(job_id=job.pk)
    return redirect("collections:run", pk=run.pk)


@login_required
@require_POST
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the run's failed messages again, in the background (the run page follows the job)."""
    _require(request, "collections.run")
    run = _run_get(request, pk)
    job = Job.objects.filter(pk=run.job_id).first() if run.job_id else None
    if run.failed_messages and (job is None or job.finished):
        job = job_start(
            kind="collections.dunning_retry", params={"run_id": run.pk}, user=request.user, entity=run.entity,
            label=_("Retry of the dunning run as of %(date)s") % {"date": run.as_of.strftime("%d/%m/%Y")},
        )  # fmt: skip
        DunningRun.objects.filter(pk=run.pk).update(job_id=job.pk)
    return redirect("collections:run", pk=run.pk)


@login_required
def run_job(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "collections.run")
    run = _run_get(request, pk)
    job = get_object_or_404(Job, pk=run.job_id)
    return render(request, "jobs/_job.html", {"job": job})


# Configuration: scenarios and steps (htmx rows), penalty rates


@login_required
def scenarios(request: HttpRequest) -> HttpResponse:
    context = {
        "scenarios": DunningScenario.objects.prefetch_related("steps").order_by("pk"),
        "can_configure": can(request.user, "collections.configure"),  # type: ignore[arg-type]
    }
    return render(request, "collections/scenarios.html", context)


@login_required
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "collections.configure")
    scenario = get_object_or_404(DunningScenario, pk=pk)
    form = ScenarioForm(request.POST or None, instance=scenario)
    if request.method == "POST" and form.is_valid():
        services.scenario_update(
            scenario=scenario, user=request.user, name=form.cleaned_data["name"],
            categories=form.cleaned_data["categories"], is_active=form.cleaned_data["is_active"],
        )  # fmt: skip
        return redirect("collections:scenarios")
    return render(request, "collections/scenario_form.html", {"scenario": scenario, "form": form})


@login_required
def step_edit(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(DunningStep.objects.select_related("scenario"), pk=pk)
    return _step_form(request, step)


@login_required
def step_new(request: HttpRequest, scenario_pk: int) -> HttpResponse:
    scenario = get_object_or_404(DunningScenario, pk=scenario_pk)
    last = scenario.steps.order_by("-order").first()
    step = DunningStep(scenario=scenario, order=(last.order + 1) if last else 1,
                       offset_days=(last.offset_days + 15) if last else 3, channel="email", min_amount=0)  # fmt: skip
    return _step_form(request, step)


def _step_form(request: HttpRequest, step: DunningStep) -> HttpResponse:
    _require(request, "collections.configure")
    fields = ("order", "code", "offset_days", "channel", "action", "min_amount")
    form = StepForm(request.POST or None, initial={name: getattr(step, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.step_save(step=step, user=request.user, **form.cleaned_data)
        except EncoursError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            return render(request, "collections/_step_row.html", {"step": step, "can_configure": True})
    return render(request, "collections/_step_form.html", {"step": step, "form": form})


@login_required
@require_POST
def step_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "collections.configure")
    step = get_object_or_404(DunningStep.objects.select_related("scenario"), pk=pk)
    try:
        services.step_delete(step=step, user=request.user)
    except EncoursError as exc:
        return HttpResponse(format_html('<tr><td colspan="8" class="bad">{}</td></tr>', refusal_text(exc)))
    return HttpResponse("")


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    form = RateForm(request.POST or None)
    if request.method == "POST":
        _require(request, "collections.configure")
        if form.is_valid():
            try:
                services.penalty_rate_set(user=request.user, **form.cleaned_data)
            except EncoursError as exc:
                form.add_error(None, refusal_text(exc))
            else:
                messages.success(request, _("Rate saved."))
                return redirect("collections:rates")
    context = {
        "form": form,
        "mro": PenaltyRate.objects.filter(table="mro").order_by("-half_year"),
        "legal": PenaltyRate.objects.filter(table="legal").order_by("-half_year"),
        "can_configure": can(request.user, "collections.configure"),  # type: ignore[arg-type]
    }
    return render(request, "collections/rates.html", context)


# Texts: what each step says, edited, previewed on a real customer, versioned


def _text_choices() -> tuple[list[tuple[str, str]], list[str]]:
    from encours.core.dunning.scenarios import DEFAULT_SCENARIOS

    scenarios = {s.code: s.name for s in DEFAULT_SCENARIOS} | dict(DunningScenario.objects.values_list("code", "name"))
    steps = {step.code for scenario in DEFAULT_SCENARIOS for step in scenario.steps}
    steps |= set(DunningStep.objects.values_list("code", flat=True))
    steps |= set(texts.STEP_WORDING)
    return sorted(scenarios.items()), sorted(steps)


@login_required
def text_edit(request: HttpRequest) -> HttpResponse:
    """Choose a scenario, a step and a language; edit; preview on a customer; save a new version."""
    _require(request, "collections.texts")
    scenarios, steps = _text_choices()
    source = request.POST if request.method == "POST" else request.GET
    scenario_code = source.get("scenario_code", "")
    step_code = source.get("step_code") or "friendly_reminder"
    language = source.get("language") if source.get("language") in texts.LANGUAGES else request.LANGUAGE_CODE[:2]
    language = language if language in texts.LANGUAGES else "fr"
    versions = DunningText.objects.filter(scenario_code=scenario_code, step_code=step_code, language=language)
    shown = None
    if request.method == "POST":
        form = TextForm(request.POST, scenarios=scenarios, steps=steps)
    else:
        shown = versions.filter(pk=int_param(request, "version", default=0, maximum=2**31 - 1)).first()
        text = shown or texts.active_text(scenario_code=scenario_code, step_code=step_code, language=language)
        initial = {"scenario_code": scenario_code, "step_code": step_code, "language": language,
                   "customer": request.GET.get("customer", ""), "subject": text.subject, "body": text.body,
                   "letter": text.letter}  # fmt: skip
        form = TextForm(initial=initial, scenarios=scenarios, steps=steps)
    preview, error = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = None
        if data["customer"]:
            customer = customers_for(request.user).filter(account_number=data["customer"].strip()).first()
            if customer is None:
                form.add_error("customer", _("No customer of yours has this account number."))
        if form.is_valid():
            as_of = as_of_param(request)
            sample = None
            text = texts.Text(subject=data["subject"], body=data["body"], letter=data["letter"])
            try:
                if customer is not None:
                    context = documents.preview_context(
                        customer=customer, step_code=data["step_code"], scenario_code=data["scenario_code"],
                        language=data["language"], as_of=as_of,
                    )  # fmt: skip
                    with translation.override(data["language"]):
                        sample = texts.text_variables(context)
                    preview = texts.render_text(text, sample, language=data["language"])
                else:
                    texts.check_text(text, texts.sample_variables(data["language"]), language=data["language"])
                if request.POST.get("action") == "save":
                    row = texts.text_save(
                        user=request.user, scenario_code=data["scenario_code"], step_code=data["step_code"],
                        language=data["language"], subject=data["subject"], body=data["body"],
                        letter=data["letter"], sample=sample,
                    )  # fmt: skip
                    messages.success(request, _("Version %(version)s saved: it is the text sent from now on.")
                                     % {"version": row.version})  # fmt: skip
                    query = urlencode({"scenario_code": row.scenario_code, "step_code": row.step_code,
                                       "language": row.language, "customer": data["customer"]})  # fmt: skip
                    return redirect(reverse("collections:texts") + "?" + query)
            except texts.TextError as exc:
                error = exc
            except EncoursError as exc:
                messages.error(request, refusal_text(exc))
    customers = customers_for(request.user).order_by("name").values_list("account_number", "name")[:300]
    context = {
        "form": form, "preview": preview, "error": error, "versions": versions, "shown": shown,
        "scenario_code": scenario_code, "step_code": step_code, "language": language,
        "variables": texts.VARIABLES, "customers": customers, "syntax_help": texts.SYNTAX_HELP,
    }  # fmt: skip
    return render(request, "collections/texts.html", context)


@login_required
@require_POST
def text_restore(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "collections.texts")
    version = get_object_or_404(DunningText, pk=pk)
    row = texts.text_restore(user=request.user, version=version)
    messages.success(request, _("Version %(old)s restored as version %(version)s.")
                     % {"old": version.version, "version": row.version})  # fmt: skip
    query = urlencode({"scenario_code": row.scenario_code, "step_code": row.step_code, "language": row.language})
    return redirect(reverse("collections:texts") + "?" + query)
