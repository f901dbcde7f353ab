from django.urls import path

from encours.reports import views

app_name = "reports"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reports/aged-balance/", views.aged_balance, name="aged_balance"),
    path("reports/aged-balance/export.csv", views.aged_balance_export, {"fmt": "csv"}, name="aged_balance_csv"),
    path("reports/aged-balance/export.xlsx", views.aged_balance_export, {"fmt": "xlsx"}, name="aged_balance_xlsx"),
    path("reports/aged-balance/items/", views.aged_items, name="aged_items"),
    path("reports/kpis/", views.kpis, name="kpis"),
    path("reports/payment-behaviour/", views.payment_behaviour, name="payment_behaviour"),
    path("reports/weekly/", views.weekly, name="weekly"),
]
