from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from encours.accounts.models import ApiToken, User
from encours.api.auth import api_tokens_revoke


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "email", "role", "department", "region", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("encours"), {"fields": ("role", "department", "region", "entities", "manager", "phone", "language")}),
    )
    filter_horizontal = ("entities", "groups", "user_permissions")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope", "revoked_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username", "user__last_name")
    readonly_fields = ("user", "name", "prefix", "key_hash", "scope", "created_at", "expires_at", "last_used_at")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False  # tokens come from api_token_create, which shows the clear key once

    @admin.action(description=_("Revoke the selected API tokens"))
    def revoke(self, request, queryset):
        count = api_tokens_revoke(tokens=queryset, by=request.user)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count})
