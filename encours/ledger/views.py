from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from encours.accounts.permissions import can
from encours.audit.selectors import audit_for_customer
from encours.contracts import annotate_items, customer_panels
from encours.core.errors import EncoursError
from encours.jobs.models import Job
from encours.jobs.selectors import job_get, jobs_for
from encours.jobs.services import job_start
from encours.ledger import selectors
from encours.ledger.forms import BlockForm, CustomerFilterForm, ImportForm, LiftForm, MappingForm
from encours.ledger.models import ImportMapping
from encours.ledger.services import blocks as block_services
from encours.ledger.services import mappings as mapping_services
from encours.web.refusals import refusal_text


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    customers = selectors.customer_list(user=request.user, filters=filters, as_of=timezone.localdate())
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "sort": filters.sort}
    template = "ledger/_customer_table.html" if request.htmx else "ledger/customer_list.html"
    return render(request, template, context)


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    as_of = timezone.localdate()
    tab = request.GET.get("tab", "open")
    context = {
        "customer": customer,
        "as_of": as_of,
        "summary": selectors.customer_summary(customer=customer, as_of=as_of),
        "tab": tab,
        "contacts": customer.contacts.all(),
        "bank_accounts": customer.bank_accounts.all(),
        "panels": customer_panels(request, customer, as_of),
        "blocks": _blocks_shown(request, customer),
        "can_block": can(request.user, "ledger.block_customer"),
    }
    if tab == "open":
        context["items"] = items = list(selectors.open_items(customer=customer))
        context["item_columns"] = annotate_items(items, as_of)
        context["orders"] = selectors.open_orders_of(customer=customer)
    elif tab == "paid":
        context["items"] = selectors.paid_items(customer=customer)
    elif tab == "allocations":
        context["allocations"] = selectors.allocations_of(customer=customer)
    elif tab == "audit":
        context["audit"] = audit_for_customer(customer_id=customer.pk)
    template = "ledger/_customer_tab.html" if request.htmx else "ledger/customer_detail.html"
    return render(request, template, context)


def _blocks_shown(request: HttpRequest, customer: Any) -> list[Any]:
    blocks = selectors.blocks_of(customer=customer)
    for block in blocks:
        block.can_lift = block.is_active and can(request.user, block_services.lift_action(block))
    return blocks


@login_required
@require_POST
def customer_block(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=request.user, pk=pk)
    if not can(request.user, "ledger.block_customer"):
        raise PermissionDenied
    form = BlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the customer is blocked."))
        return redirect("ledger:customer", pk=customer.pk)
    try:
        block_services.customer_block(customer=customer, by=request.user, reason=form.cleaned_data["reason"])
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("%(name)s is blocked.") % {"name": customer.name})
    return redirect("ledger:customer", pk=customer.pk)


@login_required
@require_POST
def block_lift(request: HttpRequest, pk: int) -> HttpResponse:
    block = selectors.block_get(user=request.user, pk=pk)
    if not can(request.user, block_services.lift_action(block)):
        raise PermissionDenied
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the block is lifted."))
        return redirect("ledger:customer", pk=block.customer_id)
    try:
        block_services.block_lift(block=block, by=request.user, reason=form.cleaned_data["reason"])
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    else:
        customer = block.customer
        customer.refresh_from_db(fields=["is_blocked"])
        text = _("Block lifted; %(name)s stays blocked by another block.") if customer.is_blocked else None
        text = text or _("Block lifted: %(name)s is no longer blocked.")
        messages.success(request, text % {"name": customer.name})
    return redirect("ledger:customer", pk=block.customer_id)


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "ledger.import"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        job = _start_import(request, form)
        return redirect("ledger:import_job", pk=job.pk)
    context = {
        "form": form,
        "jobs": jobs_for(request.user, kind_prefix="ledger.import").select_related("created_by")[:20],
        "mappings": ImportMapping.objects.all(),
    }
    return render(request, "ledger/imports.html", context)


def _start_import(request: HttpRequest, form: ImportForm) -> Job:
    """Saved under MEDIA_ROOT/imports for the job; the job deletes it once imported."""
    upload = form.cleaned_data["file"]
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{Path(upload.name).name}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    entity = form.cleaned_data["entity"]
    if form.cleaned_data["kind"] == "fec":
        siren = form.cleaned_data["siren"]
        params = {"path": str(path), "file_name": upload.name, "entity": siren}
        entity = selectors.entities_for(request.user).filter(siren=siren).first()  # none yet: an admin creates it
        kind = "ledger.import_fec"
    else:
        params = {"path": str(path), "file_name": upload.name, "entity": entity.siren}
        params["mapping"] = form.cleaned_data["mapping"].name
        kind = "ledger.import_items"
    return job_start(kind=kind, params=params, user=request.user, label=upload.name, entity=entity)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, "ledger.import"):
        raise PermissionDenied
    job = job_get(user=request.user, pk=pk, kind_prefix="ledger.import")
    template = "ledger/_import_job.html" if request.htmx else "ledger/import_job.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, "ledger.import"):
        raise PermissionDenied
    mapping = get_object_or_404(ImportMapping, pk=pk)
    mapping_services.mapping_delete(mapping=mapping, user=request.user)
    messages.success(request, _("Mapping %(name)s deleted.") % {"name": mapping.name})
    return redirect("ledger:imports")


@login_required
def mapping_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not can(request.user, "ledger.import"):
        raise PermissionDenied
    mapping = get_object_or_404(ImportMapping, pk=pk) if pk else None
    initial = {}
    if mapping:
        initial = {
            "columns_text": "\n".join(f"{k}={v}" for k, v in mapping.columns.items()),
            "date_format": mapping.options.get("date_format", ""),
            "delimiter": mapping.options.get("delimiter", ""),
        }
    form = MappingForm(request.POST or None, instance=mapping, initial=initial)
    if request.method == "POST" and form.is_valid():
        options = dict(mapping.options) if mapping else {}
        options.update({k: form.cleaned_data[k] for k in ("date_format", "delimiter") if form.cleaned_data[k]})
        try:
            mapping_services.mapping_save(
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                columns=form.cleaned_data["columns_text"],
                options=options,
                user=request.user,
            )
        except EncoursError as exc:
            form.add_error("columns_text", refusal_text(exc))
        else:
            messages.success(request, _("Mapping saved."))
            return redirect("ledger:imports")
    from encours.core.formats.tabular import FIELDS

    # pairs, not the dict: in a template ``FIELDS.items`` would look up the "items" kind
    fields = [(kind, list(kind_fields.items())) for kind, kind_fields in FIELDS.items()]
    return render(request, "ledger/mapping_form.html", {"form": form, "mapping": mapping, "fields": fields})
