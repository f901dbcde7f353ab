"""Celery application: background jobs and the schedules (beat) of runs and reports."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "encours.settings")

app = Celery("encours")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
