from django.contrib import admin

from encours.audit.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """For facts the services write with an audit entry (ledger lines, runs, snapshots…): the
    admin shows them, a change made here would bypass the service and its audit trail."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "actor_label", "note", "object_id")
    date_hierarchy = "at"
