"""The sales loop: what the reps are told about their customers, the release requests they make for
held orders, and the field notes (visit reports) they leave on the customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from encours.ledger.models import Customer
from encours.risk.models import HeldOrder


class RepNotification(models.Model):
    """One thing a sales rep is told about one of his customers, in-app and in his daily digest."""

    class Kind(models.TextChoices):
        DOWNGRADE = "downgrade", _("Grade downgraded")
        HELD = "held", _("Order held")
        BLOCKED = "blocked", _("Customer blocked")
        RELEASE_APPROVED = "release_approved", _("Release approved")
        RELEASE_REFUSED = "release_refused", _("Release refused")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rep_notifications")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    on = models.DateField(_("date"))
    key = models.CharField(max_length=120)  # the fact it tells: told once per user
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="sales_notification_once_per_fact")]
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["user", "emailed_at"])]
        ordering = ["-on", "-pk"]
        verbose_name = _("rep notification")
        verbose_name_plural = _("rep notifications")

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id}: {self.detail}"


class ReleaseRequest(models.Model):
    """A rep's request to release a held order, with his justification, and the credit manager's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    order = models.ForeignKey(HeldOrder, on_delete=models.CASCADE, related_name="release_requests")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="release_requests")
    justification = models.TextField(_("justification"), max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("decision comment"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="pending"), name="sales_one_pending_release_per_order"
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("release request")
        verbose_name_plural = _("release requests")

    def __str__(self) -> str:
        return f"release of {self.order_id} ({self.status})"


class FieldNote(models.Model):
    """A visit report: what a rep (or the credit staff) learnt on the field about the customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="field_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author")
    )
    visited_on = models.DateField(_("visit date"))
    contact = models.CharField(_("met"), max_length=120, blank=True)
    body = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "visited_on"])]
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("field note")
        verbose_name_plural = _("field notes")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.customer_id}"
