from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from encours.accounts.models import Department
from encours.disputes import selectors
from encours.disputes.models import ReasonCode, Status
from encours.ledger.selectors import entities_for, regions_for

STATUS_FILTERS = [
    ("active", _("Active")),
    ("closed", _("Closed")),
    ("all", _("All")),
    *Status.choices,
]
AGE_CHOICES = [
    ("", _("Any age")),
    ("0-15", _("0–15 days")),
    ("16-30", _("16–30 days")),
    ("31-60", _("31–60 days")),
    ("61+", _("over 60 days")),
]


def staff_for(user: Any) -> QuerySet[Any]:
    """People a dispute can be assigned to: active users of the user's legal entities."""
    users = get_user_model().objects.filter(is_active=True)
    if not user.sees_all_entities:
        users = users.filter(Q(entities__in=entities_for(user)) | Q(is_superuser=True)).distinct()
    return users.order_by("last_name", "first_name", "username")


class DisputeFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("customer, invoice, reference")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)
    min_amount = forms.DecimalField(
        label=_("Amount from"), required=False, min_value=0, widget=forms.NumberInput(attrs={"step": "any", "size": 8})
    )
    max_amount = forms.DecimalField(
        label=_("to"), required=False, min_value=0, widget=forms.NumberInput(attrs={"step": "any", "size": 8})
    )
    entity = forms.ModelChoiceField(label=_("Entity"), queryset=None, required=False, empty_label=_("All"))
    region = forms.ChoiceField(label=_("Region"), required=False)
    overdue_only = forms.BooleanField(label=_("Past SLA only"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities_for(user)
        self.fields["reason"].choices = [("", _("All"))] + [(r.code, r.display_label) for r in ReasonCode.objects.all()]
        self.fields["department"].choices = [("", _("All")), *Department.choices]
        self.fields["owner"].choices = [("", _("All"))] + [(str(u.pk), str(u)) for u in staff_for(user)]
        self.fields["region"].choices = [("", _("All"))] + [(r, r) for r in regions_for(user)]

    def filters(self, *, mine: bool = False) -> selectors.DisputeFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.DisputeFilters(mine=mine)
        data = self.cleaned_data
        return selectors.DisputeFilters(
            q=data["q"],
            status=data["status"] or "active",
            reason=data["reason"],
            department=data["department"],
            owner=int(data["owner"]) if data["owner"] else None,
            age=data["age"],
            min_amount=data["min_amount"],
            max_amount=data["max_amount"],
            entity=data["entity"].pk if data["entity"] else None,
            region=data["region"],
            overdue_only=data["overdue_only"],
            mine=mine,
            sort=data["sort"] or "-opened",
        )


class DisputeForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=ReasonCode.objects.filter(is_active=True))
    department = forms.ChoiceField(label=_("Owner department"), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    opened_on = forms.DateField(label=_("Opened on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expected_resolution_on = forms.DateField(
        label=_("Expected resolution"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    credit_note_reference = forms.CharField(label=_("Expected credit-note reference"), required=False, max_length=60)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("The reason's department")), *Department.choices]
        self.fields["owner"].queryset = staff_for(user)
        self.fields["reason"].label_from_instance = lambda reason: f"{reason.display_label} ({reason.sla_days} j)"


def parse_parts(data: Any, open_items: dict[int, Any]) -> tuple[list[tuple[Any, Decimal | None]], list[str]]:
    """The ticked invoices (``item`` values) and their amounts (``amount_<id>``, blank = whole)."""
    parts: list[tuple[Any, Decimal | None]] = []
    errors: list[str] = []
    for raw in data.getlist("item"):
        try:
            item = open_items[int(raw)]
        except (KeyError, ValueError):
            errors.append(str(_("Unknown invoice %(id)s.") % {"id": raw}))
            continue
        text = (data.get(f"amount_{item.pk}") or "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
        if not text:
            parts.append((item, None))
            continue
        try:
            parts.append((item, Decimal(text)))
        except InvalidOperation:
            errors.append(
                str(_("Invoice %(number)s: %(value)s is not an amount.") % {"number": item.number, "value": text})
            )
    if not parts and not errors:
        errors.append(str(_("Tick at least one invoice.")))
    return parts, errors


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_for(user)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a comment; @username notifies a colleague")}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"))
