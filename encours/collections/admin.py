from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.collections.models import (
    CallTask,
    CustomerDunning,
    DunningMessage,
    DunningRun,
    DunningScenario,
    DunningStep,
    DunningText,
    ExecutedStep,
    Letterhead,
    LitigationCase,
    PenaltyInvoicing,
    PenaltyRate,
    Promise,
)


class StepInline(admin.TabularInline):
    model = DunningStep
    extra = 0


@admin.register(DunningScenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    inlines = [StepInline]


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    list_display = ["entity", "sender_name", "signatory", "reply_to"]
    list_select_related = ["entity"]


@admin.register(PenaltyRate)
class PenaltyRateAdmin(admin.ModelAdmin):
    list_display = ["table", "half_year", "rate_pct", "source"]
    list_filter = ["table"]
    search_fields = ["half_year"]


@admin.register(CustomerDunning)
class CustomerDunningAdmin(admin.ModelAdmin):
    list_display = ["customer", "scenario", "paused_until", "preferred_channel", "language", "timing_shift_days"]
    list_filter = ["scenario", "preferred_channel", "language"]
    list_select_related = ["customer", "scenario"]
    search_fields = ["customer__name", "customer__account_number"]
    raw_id_fields = ["customer", "preferred_contact"]


@admin.register(DunningRun)
class RunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "as_of", "entity", "status", "planned_messages", "sent_messages", "created_by"]
    list_filter = ["status", "entity"]
    list_select_related = ["entity", "created_by"]
    date_hierarchy = "as_of"


@admin.register(DunningMessage)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["executed_on", "customer", "step_code", "channel", "recipient", "total", "status"]
    list_filter = ["status", "channel", "step_code", "executed_on"]
    list_select_related = ["customer"]
    search_fields = ["customer__name", "customer__account_number", "recipient", "subject"]
    date_hierarchy = "executed_on"


@admin.register(ExecutedStep)
class ExecutedStepAdmin(ReadOnlyAdmin):
    list_display = ["executed_on", "item", "item__customer", "scenario_code", "step_code", "skipped"]
    list_filter = ["scenario_code", "step_code", "skipped"]
    list_select_related = ["item__customer"]
    search_fields = ["item__number", "item__customer__name", "item__customer__account_number"]
    date_hierarchy = "executed_on"


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ["due_on", "customer", "title", "assigned_to", "outcome", "done_on"]
    list_filter = ["outcome", "due_on", "done_on"]
    list_select_related = ["customer", "assigned_to"]
    search_fields = ["customer__name", "customer__account_number", "title"]
    raw_id_fields = ["customer", "contact", "message"]


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ["customer", "amount", "currency", "promised_date", "status"]
    list_filter = ["status", "promised_date"]
    list_select_related = ["customer"]
    search_fields = ["customer__name", "customer__account_number"]
    date_hierarchy = "promised_date"
    raw_id_fields = ["customer", "items"]


@admin.register(LitigationCase)
class LitigationCaseAdmin(admin.ModelAdmin):
    list_display = ["opened_on", "item", "customer", "kind", "closed_on"]
    list_filter = ["kind", "opened_on", "closed_on"]
    list_select_related = ["item", "customer"]
    search_fields = ["item__number", "customer__name", "customer__account_number"]
    raw_id_fields = ["item", "customer", "message"]


@admin.register(PenaltyInvoicing)
class PenaltyInvoicingAdmin(ReadOnlyAdmin):
    list_display = ["item", "item__customer", "interest_invoiced_until", "indemnity_invoiced", "debit_item"]
    list_filter = ["indemnity_invoiced"]
    list_select_related = ["item__customer", "debit_item"]
    search_fields = ["item__number", "item__customer__name", "item__customer__account_number"]


@admin.register(DunningText)
class DunningTextAdmin(ReadOnlyAdmin):
    """Versions are written by ``texts.text_save`` (checked, audited): the admin only shows them."""

    list_display = ["step_code", "scenario_code", "language", "version", "author", "created_at"]
    list_filter = ["language", "step_code"]
    search_fields = ["step_code", "scenario_code", "subject", "body"]
