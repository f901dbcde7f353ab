from django.contrib import admin

from encours.ledger.models import (
    Allocation,
    Contact,
    Customer,
    CustomerBankAccount,
    CustomerGroup,
    ImportMapping,
    Item,
    LegalEntity,
    OpenOrder,
)


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ("name", "siren", "country", "currency", "default_terms_days")
    search_fields = ("name", "siren")


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "siren")
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
    search_fields = ("account_number", "name", "siren")
    raw_id_fields = ("group", "sales_rep", "collector")
    inlines = [ContactInline, BankAccountInline]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("number", "type", "customer", "document_date", "due_date", "amount", "open_amount", "currency")
    list_filter = ("type", "entity", "currency")
    search_fields = ("number", "customer__name", "customer__account_number")
    raw_id_fields = ("customer",)
    readonly_fields = ("open_amount", "settled_on")


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ("debit", "credit", "amount", "date", "letter", "source")
    raw_id_fields = ("debit", "credit", "created_by")
    list_filter = ("source",)


@admin.register(OpenOrder)
class OpenOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "amount", "currency", "expected_ship_date", "status")
    list_filter = ("status", "entity")
    raw_id_fields = ("customer",)


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
