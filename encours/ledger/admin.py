from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.ledger.models import (
    Allocation,
    Contact,
    Customer,
    CustomerBankAccount,
    CustomerBlock,
    CustomerGroup,
    FecPeriod,
    ImportMapping,
    Item,
    LedgerChange,
    LegalEntity,
    OpenOrder,
)


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ("name", "siren", "country", "currency", "default_terms_days")
    list_filter = ("country", "currency")
    search_fields = ("name", "siren")


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "siren", "country")
    search_fields = ("code", "name", "siren")


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class BankAccountInline(admin.TabularInline):
    model = CustomerBankAccount
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("account_number", "name", "entity", "category", "region", "sales_rep", "is_blocked")
    list_filter = ("entity", "category", "region", "is_blocked", "is_strategic")
    list_select_related = ("entity", "sales_rep")
    search_fields = ("account_number", "name", "siren", "siret")
    raw_id_fields = ("group", "sales_rep", "collector")
    inlines = [ContactInline, BankAccountInline]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("number", "type", "customer", "document_date", "due_date", "amount", "open_amount", "currency")
    list_filter = ("type", "entity", "currency", "document_date", "due_date")
    list_select_related = ("customer",)
    search_fields = ("number", "reference", "customer__name", "customer__account_number")
    show_full_result_count = False  # a million items: one count is enough
    raw_id_fields = ("customer",)
    readonly_fields = ("open_amount", "settled_on")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("debit", "credit", "amount", "date", "letter", "source", "created_by")
    list_filter = ("source", "date")
    list_select_related = ("debit", "credit", "created_by")
    search_fields = ("letter", "debit__number", "credit__number", "debit__customer__account_number")
    show_full_result_count = False


@admin.register(OpenOrder)
class OpenOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "amount", "currency", "order_date", "expected_ship_date", "status")
    list_filter = ("status", "entity")
    list_select_related = ("customer",)
    search_fields = ("number", "customer__name", "customer__account_number")
    date_hierarchy = "expected_ship_date"
    raw_id_fields = ("customer",)


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(CustomerBlock)
class CustomerBlockAdmin(ReadOnlyAdmin):
    """Blocks are set and lifted by the ledger's block services (capability, reason, audit entry)."""

    list_display = ("customer", "reason", "detail", "blocked_on", "blocked_by_label", "lifted_at", "lifted_by_label")
    list_filter = ("reason", "lifted_automatically")
    list_select_related = ("customer",)
    search_fields = ("customer__name", "customer__account_number", "detail")
    raw_id_fields = ("customer",)


@admin.register(FecPeriod)
class FecPeriodAdmin(ReadOnlyAdmin):
    """The fiscal periods the FEC imports covered (written by import_fec)."""

    list_display = ("entity", "first_date", "last_date", "file_name", "imported_at")
    list_filter = ("entity",)
    list_select_related = ("entity",)


@admin.register(LedgerChange)
class LedgerChangeAdmin(ReadOnlyAdmin):
    """The marks the ledger's write services leave (the version of the figure cache)."""

    list_display = ("id", "what", "at")
    list_filter = ("what",)
