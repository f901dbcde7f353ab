"""Cash application pages: statements and upload, review queue, line actions, bank
accounts, matching settings, lettrage export."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours.accounts.permissions import can
from encours.cash import selectors
from encours.cash.forms import BankAccountForm, CustomerPickForm, MatchingSettingsForm, UploadForm
from encours.cash.models import BankLine, LineStatus, MatchingSettings, Proposal
from encours.cash.services import apply as apply_services
from encours.cash.services import setup as setup_services
from encours.cash.services.exports import allocations_csv, allocations_fec
from encours.cash.services.plans import Part
from encours.core.errors import EncoursError
from encours.jobs.models import Job
from encours.jobs.services import job_start
from encours.ledger.models import Customer, Item, ItemType
from encours.ledger.selectors import customers_for, entities_for
from encours.web.params import int_param, parse_date
from encours.web.refusals import refusal_text

PAGE = 50
_STATUS_FILTERS = {s.value for s in LineStatus}


def _require(request: HttpRequest, capability: str) -> None:
    if not can(request.user, capability):
        raise PermissionDenied


def _best_proposals() -> Prefetch:
    return Prefetch("proposals", queryset=Proposal.objects.filter(rank=1).select_related("customer"), to_attr="best")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or LineStatus.REVIEW
    lines = selectors.lines_for(request.user).select_related("account", "customer")
    if status in _STATUS_FILTERS:
        lines = lines.filter(status=status)
    account = request.GET.get("account")
    if account and account.isdigit():
        lines = lines.filter(account_id=int(account))
    query = (request.GET.get("q") or "").strip()
    if query:
        lines = lines.filter(counterparty_name__icontains=query) | lines.filter(remittance_text__icontains=query)
    lines = lines.prefetch_related(_best_proposals()).order_by("-booking_date", "-id")
    page = Paginator(lines, PAGE).get_page(request.GET.get("page"))
    review = selectors.lines_for(request.user).filter(status=LineStatus.REVIEW)
    context = {
        "page": page,
        "status": status,
        "statuses": LineStatus.choices,
        "accounts": selectors.accounts_for(request.user),
        "account": account or "",
        "q": query,
        "counts": selectors.line_counts(selectors.lines_for(request.user)),
        "review_amount": review.aggregate(s=Sum("amount"))["s"] or Decimal(0),
        "can_apply": can(request.user, "cash.apply"),
    }
    return render(request, "cash/queue.html", context)


def _line_context(request: HttpRequest, line: BankLine) -> dict[str, object]:
    proposals = list(line.proposals.select_related("customer").order_by("rank"))
    visible = set(
        customers_for(request.user).filter(pk__in={p.customer_id for p in proposals}).values_list("pk", flat=True)
    )
    application = line.applications.filter(undone_at__isnull=True).select_related("customer", "payment").first()
    applied = list(application.applied.select_related("invoice", "credit")) if application else []
    return {
        "line": line,
        "proposals": [p for p in proposals if p.customer_id in visible],
        "application": application,
        "applied": applied,
        "can_apply": can(request.user, "cash.apply"),
        "pick_form": CustomerPickForm(
            initial={"account_number": line.customer.account_number if line.customer else ""}
        ),
    }


@login_required
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    line = selectors.line_get(user=request.user, pk=pk)
    template = "cash/_line_panel.html" if request.htmx else "cash/line.html"
    return render(request, template, _line_context(request, line))


def _after_action(request: HttpRequest, line: BankLine, message: str) -> HttpResponse:
    line = selectors.line_get(user=request.user, pk=line.pk)
    if request.htmx:
        context = _line_context(request, line)
        context["message"] = message
        context["oob_row"] = True
        return render(request, "cash/_line_panel.html", context)
    messages.success(request, message)
    return redirect("cash:line", pk=line.pk)


def _action_error(request: HttpRequest, line: BankLine, exc: EncoursError) -> HttpResponse:
    text = refusal_text(exc)  # a refusal of rights goes on: a 403 page
    if request.htmx:
        context = _line_context(request, line)
        context["error"] = text
        return render(request, "cash/_line_panel.html", context, status=422)
    messages.error(request, text)
    return redirect("cash:line", pk=line.pk)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    _require(request, "cash.apply")
    line = selectors.line_get(user=request.user, pk=pk)
    proposal = get_object_or_404(Proposal, pk=proposal_pk, line=line)
    if not customers_for(request.user).filter(pk=proposal.customer_id).exists():
        raise Http404("customer not found")
    try:
        apply_services.line_accept(line=line, proposal=proposal, user=request.user)
    except EncoursError as exc:
        return _action_error(request, line, exc)
    return _after_action(request, line, _("Suggestion applied."))


def _customer_from(request: HttpRequest, line: BankLine, account_number: str) -> Customer:
    customer = (
        customers_for(request.user).filter(entity_id=line.entity_id, account_number=account_number.strip()).first()
    )
    if customer is None:
        raise Http404("customer not found")
    return customer


@login_required
def split(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the customer's open items with an amount field each (htmx); POST: apply them."""
    _require(request, "cash.apply")
    line = selectors.line_get(user=request.user, pk=pk)
    account_number = request.POST.get("account_number") or request.GET.get("account_number") or ""
    customer = _customer_from(request, line, account_number)
    if request.method == "POST":
        parts = []
        try:
            for key, value in request.POST.items():
                if key.startswith("item_") and value.strip():
                    amount = Decimal(value.replace(",", ".").replace(" ", ""))
                    if amount:
                        parts.append(Part(int(key[5:]), amount))
        except (InvalidOperation, ValueError):
            return _action_error(request, line, EncoursError(_("Amounts are numbers, e.g. 1234.56")))
        try:
            apply_services.line_apply(
                line=line, customer_id=customer.pk, parts=parts, user=request.user, reason=request.POST.get("note", "")
            )
        except EncoursError as exc:
            return _action_error(request, line, exc)
        return _after_action(request, line, _("Line applied to %(n)d item(s).") % {"n": len(parts)})
    group = [customer.pk]
    if customer.group_id:
        group = list(
            Customer.objects.filter(group_id=customer.group_id, entity_id=line.entity_id).values_list("pk", flat=True)
        )
    items = (
        Item.objects.filter(customer_id__in=group, type__in=(ItemType.INVOICE, ItemType.CREDIT_NOTE))
        .exclude(open_amount=0)
        .select_related("customer")
        .order_by("due_date", "number")[:200]
    )
    return render(request, "cash/_split_form.html", {"line": line, "customer": customer, "items": items})


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "cash.apply")
    line = selectors.line_get(user=request.user, pk=pk)
    form = CustomerPickForm(request.POST)
    if not form.is_valid():
        return _action_error(request, line, EncoursError(_("Give the customer's account number.")))
    customer = _customer_from(request, line, form.cleaned_data["account_number"])
    try:
        apply_services.line_assign(line=line, customer=customer, user=request.user, note=form.cleaned_data["note"])
    except EncoursError as exc:
        return _action_error(request, line, exc)
    return _after_action(
        request, line, _("Kept on %(customer)s's account as unapplied cash.") % {"customer": customer.name}
    )


@login_required
@require_POST
def not_customer(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "cash.apply")
    line = selectors.line_get(user=request.user, pk=pk)
    try:
        apply_services.line_set_not_customer(line=line, user=request.user, note=request.POST.get("note", "")[:200])
    except EncoursError as exc:
        return _action_error(request, line, exc)
    return _after_action(request, line, _("Set aside: not a customer receipt."))


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "cash.apply")
    line = selectors.line_get(user=request.user, pk=pk)
    try:
        apply_services.line_undo(line=line, user=request.user, reason=request.POST.get("note", "")[:200])
    except EncoursError as exc:
        return _action_error(request, line, exc)
    return _after_action(request, line, _("Undone: the line is back in the review queue."))


@login_required
@require_POST
def rematch(request: HttpRequest) -> HttpResponse:
    """Run the matching again over the lines waiting in review, as a background job."""
    _require(request, "cash.apply")
    entities = list(entities_for(request.user).values_list("pk", flat=True))
    job = job_start(
        kind="cash.rematch", params={"entities": entities}, user=request.user, label=_("Re-match the queue")
    )
    return redirect("cash:import_job", pk=job.pk)


@login_required
def statements(request: HttpRequest) -> HttpResponse:
    statements = selectors.with_counts(
        selectors.statements_for(request.user).select_related("account", "account__entity")
    )
    page = Paginator(statements.order_by("-imported_at", "-id"), PAGE).get_page(request.GET.get("page"))
    can_import = can(request.user, "ledger.import")
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        entities=entities_for(request.user),
        accounts=selectors.accounts_for(request.user),
    )
    if request.method == "POST":
        _require(request, "ledger.import")
        if form.is_valid():
            return redirect("cash:import_job", pk=_start_import(request, form).pk)
    jobs = Job.objects.filter(kind="cash.import_bank", created_by=request.user).order_by("-id")[:10]
    return render(request, "cash/statements.html", {"page": page, "form": form, "can_import": can_import, "jobs": jobs})


def _start_import(request: HttpRequest, form: UploadForm) -> Job:
    upload = form.cleaned_data["file"]
    folder = Path(settings.MEDIA_ROOT) / "bank"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{Path(upload.name).name}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    entity, account = form.cleaned_data["entity"], form.cleaned_data["account"]
    params = {
        "path": str(path),
        "file_name": upload.name,
        "entity": entity.siren if entity else "",
        "account": account.pk if account else None,
    }
    return job_start(kind="cash.import_bank", params=params, user=request.user, label=upload.name)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=pk, kind__in=("cash.import_bank", "cash.rematch"), created_by=request.user)
    template = "jobs/_job.html" if request.htmx else "cash/import_job.html"
    return render(request, template, {"job": job})


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = selectors.statement_get(user=request.user, pk=pk)
    lines = statement.lines.select_related("customer").prefetch_related(_best_proposals()).order_by("position")
    counts = selectors.line_counts(statement.lines.all())
    return render(request, "cash/statement.html", {"statement": statement, "lines": lines, "counts": counts})


@login_required
def accounts(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    accounts = selectors.accounts_for(request.user)
    instance = get_object_or_404(accounts, pk=pk) if pk else None
    form = BankAccountForm(request.POST or None, instance=instance, entities=entities_for(request.user))
    if request.method == "POST":
        _require(request, "ledger.import")
        if form.is_valid():
            setup_services.bank_account_save(form=form, user=request.user)
            messages.success(request, _("Bank account saved."))
            return redirect("cash:accounts")
    context = {"accounts": accounts, "form": form, "instance": instance, "can_edit": can(request.user, "ledger.import")}
    return render(request, "cash/accounts.html", context)


@login_required
def matching_settings(request: HttpRequest) -> HttpResponse:
    entities = list(entities_for(request.user).order_by("name"))
    if not entities:
        raise Http404("no legal entity")
    chosen = request.GET.get("entity") or request.POST.get("entity") or str(entities[0].pk)
    entity = next((e for e in entities if str(e.pk) == chosen), None)
    if entity is None:
        raise Http404("legal entity not found")
    instance = MatchingSettings.objects.filter(entity=entity).first() or MatchingSettings(entity=entity)
    form = MatchingSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST":
        _require(request, "ledger.import")
        if form.is_valid():
            setup_services.matching_settings_save(form=form, user=request.user)
            messages.success(request, _("Matching settings saved."))
            return redirect(f"{request.path}?entity={entity.pk}")
    context = {"entities": entities, "entity": entity, "form": form, "can_edit": can(request.user, "ledger.import")}
    return render(request, "cash/settings.html", context)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Lettrage download: ?format=csv|fec&entity=<pk>&since=YYYY-MM-DD."""
    _require(request, "cash.apply")
    entities = entities_for(request.user)
    entity_pk = int_param(request, "entity", default=0, maximum=2**63 - 1)
    entity = get_object_or_404(entities, pk=entity_pk) if entity_pk else None
    since = parse_date(request.GET.get("since"), name="since")
    fmt = request.GET.get("format", "csv")
    buffer = io.StringIO()
    if fmt == "fec":
        allocations_fec(buffer, entity=entity, since=since, entities=entities)
        name, content_type = "lettrage-fec.txt", "text/plain; charset=utf-8"
    else:
        allocations_csv(buffer, entity=entity, since=since, entities=entities)
        name, content_type = "lettrage.csv", "text/csv; charset=utf-8"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
