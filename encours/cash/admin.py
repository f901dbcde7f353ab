from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.cash import models


@admin.register(models.BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    list_display = ("label", "account_id", "iban", "bic", "entity", "currency")
    list_filter = ("entity", "currency")
    list_select_related = ("entity",)
    search_fields = ("label", "account_id", "iban")


@admin.register(models.MatchingSettings)
class MatchingSettingsAdmin(admin.ModelAdmin):
    list_display = ("entity", "auto_apply_threshold", "auto_apply_margin", "fee_tolerance_absolute", "updated_at")
    list_select_related = ("entity",)


@admin.register(models.Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("account", "statement_id", "format", "from_date", "to_date", "closing_balance", "imported_at")
    list_filter = ("format", "account", "to_date")
    list_select_related = ("account",)
    search_fields = ("statement_id", "file_name")
    date_hierarchy = "imported_at"


@admin.register(models.BankLine)
class BankLineAdmin(ReadOnlyAdmin):
    list_display = ("booking_date", "entity", "counterparty_name", "amount", "currency", "status", "customer")
    list_filter = ("status", "entity", "booking_date")
    list_select_related = ("entity", "customer")
    search_fields = (
        "counterparty_name", "counterparty_iban", "remittance_text", "end_to_end_id", "entry_ref",
        "customer__name", "customer__account_number",
    )  # fmt: skip
    show_full_result_count = False


@admin.register(models.Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("line", "rank", "customer", "confidence", "rule", "unapplied")
    list_filter = ("rule",)
    list_select_related = ("line", "customer")
    search_fields = ("line__counterparty_name", "customer__name", "customer__account_number")


@admin.register(models.Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "line", "customer", "kind", "amount_applied", "unapplied", "write_off", "undone_at")
    list_filter = ("kind", "undone_at")
    list_select_related = ("line", "customer")
    search_fields = ("letter", "line__counterparty_name", "customer__name", "customer__account_number")
    date_hierarchy = "created_at"


@admin.register(models.AppliedAllocation)
class AppliedAllocationAdmin(ReadOnlyAdmin):
    list_display = ("application", "invoice", "credit", "amount", "from_payment")
    list_filter = ("from_payment",)
    list_select_related = ("application__line", "application__customer", "invoice", "credit")
    search_fields = ("invoice__number", "application__customer__name", "application__customer__account_number")


@admin.register(models.PayerAlias)
class PayerAliasAdmin(ReadOnlyAdmin):
    list_display = ("value", "kind", "customer", "created_at", "created_by")
    list_filter = ("kind",)
    list_select_related = ("customer", "created_by")
    search_fields = ("value", "customer__name", "customer__account_number")
