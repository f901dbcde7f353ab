from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.jobs.models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "label", "status", "progress_done", "progress_total", "created_by", "created_at")
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    search_fields = ("label", "message")
    date_hierarchy = "created_at"
