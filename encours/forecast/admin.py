from django.contrib import admin

from encours.audit.admin import ReadOnlyAdmin
from encours.forecast import models


@admin.register(models.PaymentModel)
class PaymentModelAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "trained_on", "created_at", "source", "n_training_invoices", "is_active")
    list_filter = ("source", "is_active")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"


@admin.register(models.InvoicePrediction)
class InvoicePredictionAdmin(ReadOnlyAdmin):
    list_display = ("item", "item__customer", "as_of", "expected_date", "days_late", "probability_late_over_30")
    list_filter = ("source", "expected_date")
    list_select_related = ("item__customer",)
    search_fields = ("item__number", "item__customer__name", "item__customer__account_number")
    show_full_result_count = False


@admin.register(models.OrderPrediction)
class OrderPredictionAdmin(ReadOnlyAdmin):
    list_display = ("order", "order__customer", "as_of", "expected_date", "date_p10", "date_p90", "source")
    list_filter = ("source", "expected_date")
    list_select_related = ("order__customer",)
    search_fields = ("order__number", "order__customer__name", "order__customer__account_number")


@admin.register(models.ForecastSnapshot)
class ForecastSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("as_of", "created_at", "model", "source")
    list_select_related = ("model",)
    date_hierarchy = "as_of"


@admin.register(models.ForecastWeek)
class ForecastWeekAdmin(ReadOnlyAdmin):
    list_display = ("snapshot", "entity", "currency", "week_start", "expected", "expected_from_orders", "low", "high")
    list_filter = ("entity", "currency")
    list_select_related = ("snapshot", "entity")
    date_hierarchy = "week_start"


@admin.register(models.DunningSuggestion)
class DunningSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("computed_on", "customer", "kind", "stage", "proposed_channel", "expected_days_saved", "status")
    list_filter = ("status", "kind", "computed_on")
    list_select_related = ("customer",)
    search_fields = ("customer__name", "customer__account_number")
