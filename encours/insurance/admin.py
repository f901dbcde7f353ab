from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.insurance import models


@admin.register(models.InsurancePolicy)
class InsurancePolicyAdmin(admin.ModelAdmin):
    list_display = ("insurer", "number", "entity", "start_date", "end_date", "indemnity_rate", "insurer_email")
    list_filter = ("insurer", "entity")
    list_select_related = ("entity",)
    search_fields = ("insurer", "number")


@admin.register(models.CoverDecision)
class CoverDecisionAdmin(admin.ModelAdmin):
    list_display = ("customer", "group", "decision", "granted_amount", "effective_on", "expires_on", "reference")
    list_filter = ("decision", "policy", "source")
    list_select_related = ("customer", "group")
    search_fields = ("customer__name", "customer__account_number", "group__name", "reference")
    date_hierarchy = "effective_on"
    raw_id_fields = ("customer", "group")


@admin.register(models.DecisionMapping)
class DecisionMappingAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(models.CoverRequest)
class CoverRequestAdmin(ReadOnlyAdmin):
    list_display = ("prepared_on", "customer", "policy", "status", "current_cover", "requested_amount", "grade")
    list_filter = ("status", "policy", "prepared_on")
    list_select_related = ("customer", "policy")
    search_fields = ("customer__name", "customer__account_number", "reason")
    date_hierarchy = "prepared_on"


@admin.register(models.Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ("declared_on", "customer", "policy", "amount", "deadline", "reference", "status")
    list_filter = ("status", "policy", "declared_on")
    list_select_related = ("customer", "policy")
    search_fields = ("customer__name", "customer__account_number", "reference")
    date_hierarchy = "declared_on"


@admin.register(models.DeclaredInvoice)
class DeclaredInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("declaration", "number", "delivered_on", "amount", "decision", "cover", "reason")
    list_select_related = ("declaration__customer", "decision")
    search_fields = ("number", "declaration__customer__name")


@admin.register(models.PremiumStatement)
class PremiumStatementAdmin(ReadOnlyAdmin):
    list_display = ("period_start", "policy", "basis", "base_amount", "rate", "premium", "declared_on")
    list_filter = ("policy", "basis")
    list_select_related = ("policy",)


@admin.register(models.Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = (
        "opened_on",
        "declaration__customer",
        "loss",
        "cover",
        "expected_indemnity",
        "payable_from",
        "status",
    )
    list_filter = ("status", "opened_on")
    list_select_related = ("declaration__customer",)
    search_fields = ("declaration__customer__name", "declaration__customer__account_number", "declaration__reference")
    date_hierarchy = "opened_on"


@admin.register(models.InsurerPayment)
class InsurerPaymentAdmin(ReadOnlyAdmin):
    list_display = ("paid_on", "claim", "amount", "reference")
    list_select_related = ("claim__declaration__customer",)
    search_fields = ("reference", "claim__declaration__customer__name", "claim__declaration__customer__account_number")
    date_hierarchy = "paid_on"


@admin.register(models.Recovery)
class RecoveryAdmin(ReadOnlyAdmin):
    list_display = ("received_on", "claim", "amount", "insurer_share", "note")
    list_select_related = ("claim__declaration__customer",)
    search_fields = ("note", "claim__declaration__customer__name", "claim__declaration__customer__account_number")
    date_hierarchy = "received_on"


@admin.register(models.FactoringContract)
class FactoringContractAdmin(admin.ModelAdmin):
    list_display = ("factor", "number", "entity", "advance_rate", "reserve_rate", "global_limit")
    list_filter = ("entity",)
    list_select_related = ("entity",)
    search_fields = ("factor", "number")


@admin.register(models.DebtorApproval)
class DebtorApprovalAdmin(admin.ModelAdmin):
    list_display = ("contract", "customer", "approved_amount", "expires_on")
    list_filter = ("contract", "expires_on")
    list_select_related = ("contract", "customer")
    search_fields = ("customer__name", "customer__account_number")
    raw_id_fields = ("customer",)


@admin.register(models.Bordereau)
class BordereauAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "contract", "assigned_on", "assigned_total", "eligible_total", "financed", "net_payable")
    list_filter = ("contract",)
    list_select_related = ("contract",)
    search_fields = ("contract__number",)
    date_hierarchy = "assigned_on"


@admin.register(models.AssignedInvoice)
class AssignedInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("item", "item__customer", "bordereau", "amount", "eligible", "reasons", "returned_on")
    list_filter = ("bordereau__contract", "returned_on")
    list_select_related = ("item__customer", "bordereau__contract")
    search_fields = ("item__number", "item__customer__name", "item__customer__account_number")


@admin.register(models.FactoringDrawing)
class FactoringDrawingAdmin(ReadOnlyAdmin):
    list_display = ("drawn_on", "contract", "amount", "note")
    list_filter = ("contract",)
    list_select_related = ("contract",)
    search_fields = ("note",)
    date_hierarchy = "drawn_on"
