from django.contrib import admin

from encours.disputes.models import Committee, CommitteeCase, Dispute, DisputeLine, ReasonCode


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "sla_days", "department", "is_active", "position")
    list_editable = ("label", "sla_days", "department", "is_active", "position")


class DisputeLineInline(admin.TabularInline):
    model = DisputeLine
    raw_id_fields = ("item",)
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("pk", "customer", "reason", "status", "department", "owner", "amount_disputed", "opened_on")
    list_filter = ("status", "reason", "department")
    search_fields = ("customer__name", "customer__account_number", "external_reference")
    raw_id_fields = ("customer", "credit_note")
    readonly_fields = ("status", "amount_disputed", "resolved_on", "escalation_level")
    inlines = [DisputeLineInline]


class CommitteeCaseInline(admin.TabularInline):
    model = CommitteeCase
    raw_id_fields = ("customer", "previous_case")
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ("month", "region", "entity", "state", "signed_by")
    inlines = [CommitteeCaseInline]
