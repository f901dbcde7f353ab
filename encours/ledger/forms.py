from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from encours.accounts.models import Role
from encours.core.formats.fec import file_name_identity
from encours.ledger import selectors
from encours.ledger.models import Category, ImportMapping


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("name, account, SIREN, group")}),
    )
    entity = forms.ModelChoiceField(label=_("Entity"), queryset=None, required=False, empty_label=_("All"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    sales_rep = forms.ChoiceField(label=_("Sales rep"), required=False)
    overdue_only = forms.BooleanField(label=_("Overdue only"), required=False)
    blocked_only = forms.BooleanField(label=_("Blocked only"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = selectors.entities_for(user)
        self.fields["category"].choices = [("", _("All")), *Category.choices]
        self.fields["region"].choices = [("", _("All"))] + [(r, r) for r in selectors.regions_for(user)]
        reps = selectors.sales_reps_for(user)
        self.fields["sales_rep"].choices = [("", _("All"))] + [(str(u.pk), str(u)) for u in reps]
        if user.role == Role.SALES_REP:
            del self.fields["sales_rep"]

    def filters(self) -> selectors.CustomerFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.CustomerFilters()
        data = self.cleaned_data
        rep = data.get("sales_rep")
        return selectors.CustomerFilters(
            q=data["q"],
            entity=data["entity"].pk if data["entity"] else None,
            category=data["category"],
            region=data["region"],
            sales_rep=int(rep) if rep else None,
            overdue_only=data["overdue_only"],
            blocked_only=data["blocked_only"],
            sort=data["sort"] or "-overdue",
        )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("File type"),
        choices=[("fec", _("FEC (French general ledger export)")), ("mapped", _("CSV / XLSX with a saved mapping"))],
    )
    entity = forms.ModelChoiceField(
        label=_("Legal entity"),
        queryset=None,
        required=False,
        help_text=_("For a FEC: empty = the SIREN in the file name."),
    )
    mapping = forms.ModelChoiceField(label=_("Mapping"), queryset=ImportMapping.objects.all(), required=False)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["entity"].queryset = selectors.entities_for(user)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": settings.IMPORT_MAX_UPLOAD_MB})
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "mapped":
            if not data.get("mapping"):
                self.add_error("mapping", _("Choose the mapping that describes the file's columns."))
            if not data.get("entity"):
                self.add_error("entity", _("Choose the legal entity the file belongs to."))
        if data.get("kind") == "fec" and data.get("file") and not self.errors:
            self._check_fec_target(data)
        return data

    def _check_fec_target(self, data: dict[str, Any]) -> None:
        """The SIREN the FEC goes into, refused here unless the user may import into it."""
        entity = data.get("entity")
        siren = entity.siren if entity else file_name_identity(data["file"].name)[0]
        if not siren:
            self.add_error(
                "entity",
                _("The file name carries no SIREN (<SIREN>FEC<YYYYMMDD>.txt): choose the legal entity."),
            )
            return
        refusal = selectors.import_refusal(user=self.user, siren=siren)
        if refusal:
            self.add_error(None, refusal)
        data["siren"] = siren


class MappingForm(forms.ModelForm):
    columns_text = forms.CharField(
        label=_("Columns"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One line per field: field=Column header in the file, e.g. number=N° facture"),
    )
    date_format = forms.CharField(label=_("Date format"), required=False, help_text=_("e.g. %d/%m/%Y; empty = guess"))
    delimiter = forms.CharField(label=_("Delimiter"), required=False, max_length=2, help_text=_("empty = guess"))

    class Meta:
        model = ImportMapping
        fields = ["name", "kind"]

    def clean_columns_text(self) -> dict[str, str]:
        columns = {}
        for number, line in enumerate(self.cleaned_data["columns_text"].splitlines(), start=1):
            if not line.strip():
                continue
            if "=" not in line:
                raise forms.ValidationError(_("Line %(n)s: expected field=Column") % {"n": number})
            field_name, column = (part.strip() for part in line.split("=", 1))
            columns[field_name] = column
        return columns


class BlockForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=200, strip=True)


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why the block is lifted"), max_length=1000, strip=True)
