from django.urls import path

from encours.sales import views

app_name = "sales"
urlpatterns = [
    path("sales/notifications/", views.notifications, name="notifications"),
    path("sales/release-requests/", views.release_requests, name="release_requests"),
    path("sales/release-requests/<int:pk>/decide/", views.release_decide, name="release_decide"),
    path("risk/held-orders/<int:pk>/request-release/", views.release_request, name="release_request"),
    path("customers/<int:pk>/field-notes/", views.field_note, name="field_note"),
]
