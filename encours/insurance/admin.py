from django.contrib import admin

from encours.insurance import models


@admin.register(models.InsurancePolicy)
class InsurancePolicyAdmin(admin.ModelAdmin):
    list_display = ("insurer", "number", "entity", "start_date", "end_date", "indemnity_rate", "insurer_email")
    list_filter = ("insurer", "entity")


@admin.register(models.CoverDecision)
class CoverDecisionAdmin(admin.ModelAdmin):
    list_display = ("customer", "group", "decision", "granted_amount", "effective_on", "expires_on", "reference")
    list_filter = ("decision", "policy")
    search_fields = ("customer__name", "customer__account_number", "reference")
    raw_id_fields = ("customer", "group")


@admin.register(models.DecisionMapping)
class DecisionMappingAdmin(admin.ModelAdmin):
    list_display = ("name",)


@admin.register(models.FactoringContract)
class FactoringContractAdmin(admin.ModelAdmin):
    list_display = ("factor", "number", "entity", "advance_rate", "reserve_rate", "global_limit")


@admin.register(models.DebtorApproval)
class DebtorApprovalAdmin(admin.ModelAdmin):
    list_display = ("contract", "customer", "approved_amount", "expires_on")
    raw_id_fields = ("customer",)
