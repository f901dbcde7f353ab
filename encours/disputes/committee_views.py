from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from encours.accounts.permissions import can
from encours.core.errors import EncoursError
from encours.core.provisions import EXPENSE_ACCOUNT, PROVISION_ACCOUNT
from encours.disputes import committees, provisions
from encours.disputes.models import Decision
from encours.ledger.selectors import entities_for, regions_for
from encours.web.params import BadParameter, parse_date
from encours.web.refusals import refusal_text


class CommitteeForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    entity = forms.ModelChoiceField(label=gettext_lazy("or legal entity"), queryset=None, required=False)
    min_days_late = forms.IntegerField(label=gettext_lazy("Days past due from"), initial=60, min_value=0)
    min_amount = forms.DecimalField(label=gettext_lazy("Overdue from"), initial=5000, min_value=0)

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—")] + [(r, r) for r in regions_for(user)]
        self.fields["entity"].queryset = entities_for(user)


@login_required
def committee_list(request: HttpRequest) -> HttpResponse:
    found = committees.committees_for(request.user).select_related("entity", "signed_by")
    if not can(request.user, "reports.view"):
        raise PermissionDenied
    form = CommitteeForm(request.POST or None, user=request.user)
    may_prepare = can(request.user, "committee.prepare")
    if request.method == "POST" and not may_prepare:
        raise PermissionDenied
    if request.method == "POST" and may_prepare and form.is_valid():
        data = form.cleaned_data
        try:
            committee = committees.committee_prepare(
                user=request.user,
                month=data["month"],
                as_of=timezone.localdate(),
                region=data["region"],
                entity=data["entity"] if not data["region"] else None,
                min_days_late=data["min_days_late"],
                min_amount=data["min_amount"],
            )
        except EncoursError as exc:
            form.add_error(None, refusal_text(exc))
        else:
            return redirect("disputes:committee", pk=committee.pk)
    return render(
        request, "disputes/committees.html", {"committees": found[:100], "form": form, "may_prepare": may_prepare}
    )


@login_required
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    committee = committees.committee_get(user=request.user, pk=pk)
    pack = committees.committee_pack(committee=committee, user=request.user)
    context = {
        "pack": pack,
        "committee": committee,
        "decisions": Decision.choices,
        "may_record": can(request.user, "committee.prepare") and committee.state != committee.State.SIGNED,
        "may_sign": can(request.user, "committee.sign") and committee.state == committee.State.HELD,
        "today": timezone.localdate(),
    }
    return render(request, "disputes/committee.html", context)


@login_required
@require_POST
def committee_record(request: HttpRequest, pk: int) -> HttpResponse:
    committee = committees.committee_get(user=request.user, pk=pk)
    if not can(request.user, "committee.prepare"):
        raise PermissionDenied
    decisions = {}
    try:
        for case in committee.cases.all():
            decision = request.POST.get(f"decision_{case.pk}", "")
            if not decision:
                continue
            percent_text = request.POST.get(f"percent_{case.pk}", "").strip().replace(",", ".")
            limit_text = request.POST.get(f"limit_{case.pk}", "").strip().replace(" ", "").replace(",", ".")
            decisions[case.pk] = committees.CaseDecision(
                decision,
                Decimal(percent_text) if percent_text else None,
                request.POST.get(f"note_{case.pk}", ""),
                Decimal(limit_text) if limit_text else None,
            )
        held_on = parse_date(request.POST.get("held_on"), name="held_on")
        if held_on is None:
            raise ValueError(_("Give the date the committee was held."))
        committees.committee_record(
            committee=committee,
            user=request.user,
            held_on=held_on,
            attendees=request.POST.get("attendees", ""),
            decisions=decisions,
        )
    except (EncoursError, InvalidOperation, ValueError, BadParameter) as exc:
        messages.error(request, refusal_text(exc) or _("Invalid value."))
    else:
        messages.success(request, _("Decisions recorded."))
    return redirect("disputes:committee", pk=committee.pk)


@login_required
@require_POST
def committee_sign(request: HttpRequest, pk: int) -> HttpResponse:
    committee = committees.committee_get(user=request.user, pk=pk)
    if not can(request.user, "committee.sign"):
        raise PermissionDenied
    try:
        committees.committee_sign(committee=committee, user=request.user)
    except EncoursError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("Committee signed off."))
    return redirect("disputes:committee", pk=committee.pk)


def committee_pdf_bytes(committee: committees.Committee, *, user: object) -> bytes:
    from weasyprint import HTML

    pack = committees.committee_pack(committee=committee, user=user)
    html = render_to_string("disputes/committee_document.html", {"pack": pack, "committee": committee})
    return HTML(string=html).write_pdf()


@login_required
def committee_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    committee = committees.committee_get(user=request.user, pk=pk)
    response = HttpResponse(committee_pdf_bytes(committee, user=request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="committee-{committee.pk}-{committee.month:%Y-%m}.pdf"'
    return response


def _committee_filter(request: HttpRequest) -> int | None:
    value = request.GET.get("committee", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Http404("unknown committee")
    return committees.committee_get(user=request.user, pk=int(value)).pk


@login_required
def provision_list(request: HttpRequest) -> HttpResponse:
    """The provision entries the signed-off committees recorded, with the export for the accountants."""
    if not can(request.user, "reports.view"):
        raise PermissionDenied
    committee_id = _committee_filter(request)
    entries = provisions.provisions_for(request.user, committee_id=committee_id)
    context = {
        "page": Paginator(entries, 100).get_page(request.GET.get("page")),
        "totals": provisions.provision_totals(entries),
        "committee_id": committee_id,
        "accounts": (EXPENSE_ACCOUNT, PROVISION_ACCOUNT),
    }
    return render(request, "disputes/provisions.html", context)


@login_required
def provision_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if not can(request.user, "reports.view"):
        raise PermissionDenied
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    committee_id = _committee_filter(request)
    entries = provisions.provisions_for(request.user, committee_id=committee_id)
    name = f"provisions{f'-committee-{committee_id}' if committee_id else ''}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        out = io.StringIO()
        provisions.provisions_csv(out, entries)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(provisions.provisions_xlsx(entries), content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
