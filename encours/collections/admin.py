from django.contrib import admin

from encours.collections.models import (
    CallTask,
    CustomerDunning,
    DunningMessage,
    DunningRun,
    DunningScenario,
    DunningStep,
    Letterhead,
    LitigationCase,
    PenaltyRate,
    Promise,
)


class StepInline(admin.TabularInline):
    model = DunningStep
    extra = 0


@admin.register(DunningScenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    inlines = [StepInline]


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    list_display = ["entity", "sender_name", "signatory"]


@admin.register(PenaltyRate)
class PenaltyRateAdmin(admin.ModelAdmin):
    list_display = ["table", "half_year", "rate_pct", "source"]
    list_filter = ["table"]


@admin.register(DunningRun)
class RunAdmin(admin.ModelAdmin):
    list_display = ["pk", "as_of", "entity", "status", "sent_messages", "created_by"]
    readonly_fields = [f.name for f in DunningRun._meta.fields]


@admin.register(DunningMessage)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["executed_on", "customer", "step_code", "channel", "recipient", "status"]
    list_filter = ["status", "channel", "step_code"]
    raw_id_fields = ["customer", "contact", "run"]


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ["due_on", "customer", "title", "outcome", "done_on"]
    raw_id_fields = ["customer", "contact", "message"]


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ["customer", "amount", "currency", "promised_date", "status"]
    raw_id_fields = ["customer", "items"]


admin.site.register(CustomerDunning, raw_id_fields=["customer", "preferred_contact"])
admin.site.register(LitigationCase, raw_id_fields=["item", "customer", "message"])
