from django.urls import path

from encours.risk import views

app_name = "risk"
urlpatterns = [
    path("risk/", views.portfolio, name="portfolio"),
    path("risk/customers/<int:pk>/", views.customer_risk, name="customer"),
]
