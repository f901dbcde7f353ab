from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "encours.api"
    label = "api"
    verbose_name = "API"
