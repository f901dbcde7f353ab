from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "encours.web"
    label = "web"
    verbose_name = "Web"
