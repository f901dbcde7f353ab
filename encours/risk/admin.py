from django import forms
from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.core.errors import EncoursError
from encours.risk import models, services


@admin.register(models.Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("siren", "name", "naf_code", "created_on")
    search_fields = ("siren", "name")


@admin.register(models.FinancialStatement)
class FinancialStatementAdmin(admin.ModelAdmin):
    list_display = ("company", "year", "closed_on", "total_assets", "equity", "revenue", "net_income", "source")
    list_filter = ("year",)
    list_select_related = ("company",)
    search_fields = ("company__siren", "company__name")
    raw_id_fields = ("company",)


@admin.register(models.Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("company", "agency", "scale", "rating", "rated_on", "source")
    list_filter = ("agency", "rated_on")
    list_select_related = ("company",)
    search_fields = ("company__siren", "company__name", "rating")
    date_hierarchy = "rated_on"
    raw_id_fields = ("company",)


@admin.register(models.LegalEvent)
class LegalEventAdmin(admin.ModelAdmin):
    list_display = ("company", "kind", "published_on", "court", "reference", "claim_deadline")
    list_filter = ("kind", "published_on")
    list_select_related = ("company",)
    search_fields = ("company__siren", "company__name", "reference", "description")
    date_hierarchy = "published_on"
    raw_id_fields = ("company",)


class RiskSettingsForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.settings_check(row=models.RiskSettings(**cleaned))
            except EncoursError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return cleaned


@admin.register(models.RiskSettings)
class RiskSettingsAdmin(admin.ModelAdmin):
    """Versioned: "add" saves a new version through the service (the latest applies, past ones stay)."""

    form = RiskSettingsForm
    exclude = ("created_by",)
    list_display = ("__str__", "created_at", "created_by", "weight_financial", "weight_payer", "hold_overdue_days")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        from encours.risk.selectors import current_settings

        latest = current_settings()
        return {name: getattr(latest, name) for name in self.get_form(request).base_fields}

    def save_model(self, request, obj, form, change):
        saved = services.settings_save(user=request.user, **form.cleaned_data)
        obj.pk, obj.created_at, obj.created_by = saved.pk, saved.created_at, saved.created_by


@admin.register(models.CreditLimit)
class CreditLimitAdmin(ReadOnlyAdmin):
    list_display = ("customer", "group", "amount", "currency", "status", "valid_from", "expires_on", "decided_by")
    list_filter = ("status", "customer__entity", "valid_from", "expires_on")
    list_select_related = ("customer", "group", "decided_by")
    search_fields = ("customer__name", "customer__account_number", "group__code", "group__name")
    date_hierarchy = "valid_from"


@admin.register(models.Guarantee)
class GuaranteeAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "amount", "currency", "issuer", "reference", "valid_from", "expires_on")
    list_filter = ("kind", "customer__entity", "expires_on")
    list_select_related = ("customer",)
    search_fields = ("customer__name", "customer__account_number", "issuer", "reference")
    raw_id_fields = ("customer", "created_by")


@admin.register(models.HeldOrder)
class HeldOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "customer",
        "entity",
        "amount",
        "currency",
        "exposure",
        "limit",
        "status",
        "created_at",
    )
    list_filter = ("status", "entity")
    list_select_related = ("customer", "entity")
    search_fields = ("reference", "customer__name", "customer__account_number")
    date_hierarchy = "created_at"


@admin.register(models.RiskAlert)
class RiskAlertAdmin(ReadOnlyAdmin):
    list_display = ("raised_on", "customer", "kind", "severity", "message", "assigned_to", "acknowledged_at")
    list_filter = ("severity", "kind", "customer__entity", "acknowledged_at")
    list_select_related = ("customer", "assigned_to")
    search_fields = ("customer__name", "customer__account_number", "message")
    date_hierarchy = "raised_on"


@admin.register(models.GradeSnapshot)
class GradeSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("on", "customer", "letter", "score", "payer_index", "overdue_amount", "net_exposure")
    list_filter = ("letter", "customer__entity")
    list_select_related = ("customer",)
    search_fields = ("customer__name", "customer__account_number")
    date_hierarchy = "on"


@admin.register(models.RiskImportMapping)
class RiskImportMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)
