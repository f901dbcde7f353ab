from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.disputes.models import (
    Attachment,
    Committee,
    CommitteeCase,
    Dispute,
    DisputeLine,
    Event,
    Notification,
    ProvisionEntry,
    ReasonCode,
)


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "sla_days", "department", "is_active", "position")
    list_editable = ("label", "sla_days", "department", "is_active", "position")
    search_fields = ("code", "label")


class DisputeLineInline(admin.TabularInline):
    model = DisputeLine
    raw_id_fields = ("item",)
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("pk", "customer", "reason", "status", "department", "owner", "amount_disputed", "opened_on")
    list_filter = ("status", "reason", "department", "entity", "opened_on")
    list_select_related = ("customer", "reason", "owner")
    search_fields = ("customer__name", "customer__account_number", "external_reference")
    date_hierarchy = "opened_on"
    raw_id_fields = ("customer", "credit_note")
    readonly_fields = ("status", "amount_disputed", "resolved_on", "escalation_level")
    inlines = [DisputeLineInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("on", "dispute", "dispute__customer", "kind", "actor_label", "to_status")
    list_filter = ("kind", "on")
    list_select_related = ("dispute__customer",)
    search_fields = ("body", "dispute__customer__name", "dispute__customer__account_number")
    date_hierarchy = "on"


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "dispute", "content_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("content_type",)
    list_select_related = ("dispute", "uploaded_by")
    search_fields = ("name", "dispute__customer__name", "dispute__customer__account_number")
    date_hierarchy = "uploaded_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "dispute", "kind", "message", "read_at")
    list_filter = ("kind", "read_at")
    list_select_related = ("user", "dispute")
    search_fields = ("message", "user__username", "user__last_name")
    date_hierarchy = "created_at"


class CommitteeCaseInline(admin.TabularInline):
    model = CommitteeCase
    raw_id_fields = ("customer", "previous_case")
    extra = 0


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ("month", "region", "entity", "state", "held_on", "signed_by")
    list_filter = ("state", "entity", "region")
    list_select_related = ("entity", "signed_by")
    date_hierarchy = "month"
    raw_id_fields = ("previous",)
    inlines = [CommitteeCaseInline]


@admin.register(ProvisionEntry)
class ProvisionEntryAdmin(ReadOnlyAdmin):
    """Provisions are recorded when a committee is signed off (its decisions carried out, audited)."""

    list_display = ("recorded_on", "customer", "item", "amount_ht", "vat", "rate", "provision", "currency")
    list_filter = ("rate", "currency")
    list_select_related = ("customer", "item")
    search_fields = ("customer__name", "item__number")
    raw_id_fields = ("case", "customer", "item")
