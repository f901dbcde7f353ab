from django.urls import path

from encours.risk import views

app_name = "risk"
urlpatterns = [
    path("risk/", views.portfolio, name="portfolio"),
    path("risk/review/", views.review, name="review"),
    path("risk/run/", views.run_now, name="run"),
    path("risk/run/<int:pk>/", views.job_page, name="job"),
    path("risk/customers/<int:pk>/", views.customer_risk, name="customer"),
    path("risk/customers/<int:pk>/limit/", views.limit_request, name="limit_request"),
    path("risk/customers/<int:pk>/guarantee/", views.guarantee_add, name="guarantee_add"),
    path("risk/limits/", views.limits, name="limits"),
    path("risk/limits/<int:pk>/decide/", views.limit_decide, name="limit_decide"),
    path("risk/held-orders/", views.held_orders, name="held_orders"),
    path("risk/held-orders/<int:pk>/decide/", views.held_order_decide, name="held_order_decide"),
    path("risk/alerts/", views.alerts, name="alerts"),
    path("risk/alerts/<int:pk>/", views.alert_action, name="alert_action"),
    path("risk/statements/new/", views.statement_entry, name="statement_entry"),
    path("risk/upload/", views.upload, name="upload"),
    path("risk/companies/", views.companies, name="companies"),
    path("risk/companies/<int:pk>/", views.company, name="company"),
    path("risk/settings/", views.settings_page, name="settings"),
]
