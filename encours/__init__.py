"""encours: credit management and accounts receivable."""

from encours.celery import app as celery_app

__all__ = ["celery_app"]
