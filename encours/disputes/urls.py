from django.urls import path

from encours.disputes import views

app_name = "disputes"
urlpatterns = [
    path("disputes/", views.dispute_list, name="list"),
    path("disputes/<int:pk>/", views.dispute_detail, name="detail"),
]
