from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.sales.models import FieldNote, ReleaseRequest, RepNotification


@admin.register(RepNotification)
class RepNotificationAdmin(ReadOnlyAdmin):
    list_display = ("on", "user", "customer", "kind", "detail", "read_at", "emailed_at")
    list_filter = ("kind", "on")
    list_select_related = ("user", "customer")
    search_fields = ("customer__name", "user__username", "detail")


@admin.register(ReleaseRequest)
class ReleaseRequestAdmin(ReadOnlyAdmin):
    list_display = ("requested_at", "customer", "order", "requested_by", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("customer", "order", "requested_by", "decided_by")
    search_fields = ("customer__name", "order__reference", "justification")


@admin.register(FieldNote)
class FieldNoteAdmin(ReadOnlyAdmin):
    list_display = ("visited_on", "customer", "author", "contact")
    list_select_related = ("customer", "author")
    search_fields = ("customer__name", "body", "contact")
    date_hierarchy = "visited_on"
