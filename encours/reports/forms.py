from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from encours.core.aging import DEFAULT_EDGES, validate_edges
from encours.core.errors import EncoursError
from encours.ledger.models import LegalEntity
from encours.ledger.selectors import entities_for
from encours.reports.dimensions import DIMENSIONS
from encours.web.params import BadParameter, check_date


@dataclass(frozen=True, slots=True)
class ReportParams:
    as_of: date
    entity: LegalEntity | None
    by: str
    edges: tuple[int, ...]

    def query(self, **changes: Any) -> dict[str, str]:
        """The parameters as a query string dict (for links that keep the current report)."""
        values = {
            "as_of": self.as_of.isoformat(),
            "entity": str(self.entity.pk) if self.entity else "",
            "by": self.by,
            "edges": ",".join(str(e) for e in self.edges) if self.edges != DEFAULT_EDGES else "",
        }
        values.update({key: str(value) for key, value in changes.items()})
        return {key: value for key, value in values.items() if value}

    def encoded(self, **changes: Any) -> str:
        return urlencode(self.query(**changes))

    def shared(self) -> str:
        """The date and entity only: what every report page keeps when switching tabs."""
        return urlencode({k: v for k, v in self.query().items() if k in {"as_of", "entity"}})


class ReportForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    entity = forms.ModelChoiceField(
        label=_("Legal entity"), queryset=LegalEntity.objects.none(), required=False, empty_label=_("All entities")
    )
    by = forms.ChoiceField(label=_("By"), required=False)
    edges = forms.CharField(
        label=_("Bucket edges (days)"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "30,60,90,120", "size": 12}),
    )

    def __init__(self, data: Any, *, user: Any, default_by: str = "customer", **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.default_by = default_by
        self.fields["entity"].queryset = entities_for(user)
        self.fields["by"].choices = [(name, d.label) for name, d in DIMENSIONS.items()]

    def clean_as_of(self) -> date | None:
        value = self.cleaned_data.get("as_of")
        if value is not None:
            try:
                check_date(value)
            except BadParameter as exc:
                raise forms.ValidationError(str(exc))
        return value

    def clean_edges(self) -> tuple[int, ...]:
        text = self.cleaned_data.get("edges") or ""
        if not text.strip():
            return DEFAULT_EDGES
        try:
            edges = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
            validate_edges(edges)
        except (ValueError, EncoursError):
            raise forms.ValidationError(_("Give increasing whole days separated by commas, e.g. 30,60,90,120."))
        return edges

    def params(self) -> ReportParams:
        """The valid parameters, defaults for the invalid ones (the form shows their errors); a bad
        date is refused (:class:`BadParameter`, answered with 400)."""
        valid: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            valid = self.cleaned_data
            if "as_of" in self.errors:  # a page as of another date than asked would mislead: 400
                raise BadParameter(f"as_of: {' '.join(self.errors['as_of'])}")
        return ReportParams(
            as_of=valid.get("as_of") or timezone.localdate(),
            entity=valid.get("entity"),
            by=valid.get("by") or self.default_by,
            edges=valid.get("edges") or DEFAULT_EDGES,
        )
