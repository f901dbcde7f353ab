from django.urls import path

from encours.forecast import views

app_name = "forecast"
urlpatterns = [
    path("forecast/", views.cash, name="cash"),
    path("forecast/export.xlsx", views.cash_xlsx, name="cash_xlsx"),
    path("forecast/model/", views.model, name="model"),
    path("forecast/model/jobs/<int:pk>/", views.model_job, name="model_job"),
    path("forecast/dunning/", views.dunning, name="dunning"),
    path("forecast/dunning/refresh/", views.dunning_refresh, name="dunning_refresh"),
    path("forecast/dunning/<int:pk>/approve/", views.dunning_decide, {"decision": "approve"}, name="dunning_approve"),
    path("forecast/dunning/<int:pk>/reject/", views.dunning_decide, {"decision": "reject"}, name="dunning_reject"),
]
