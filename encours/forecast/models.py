from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from encours.ledger.models import Customer, Item, LegalEntity, OpenOrder, money_field

FEATURES_VERSION = 2  # bump when the feature set changes: older models are then retrained


class PaymentModel(models.Model):
    """A trained payment-date model: its artefact, held-out metrics and which estimate is used."""

    class Source(models.TextChoices):
        MODEL = "model", _("Gradient-boosting model")
        BASELINE = "customer_mean", _("Customer-average baseline")

    trained_on = models.DateField(_("trained on data up to"))
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    artefact = models.FileField(_("artefact"), upload_to="forecast/models/", max_length=200)
    features_version = models.PositiveIntegerField(_("features version"), default=FEATURES_VERSION)
    sklearn_version = models.CharField(_("scikit-learn version"), max_length=20)
    source = models.CharField(_("estimate in use"), max_length=16, choices=Source.choices)
    reason = models.CharField(_("why"), max_length=300)
    metrics = models.JSONField(_("held-out metrics"), default=dict)
    unknown_features = models.JSONField(_("features without a source"), default=list)
    n_training_invoices = models.PositiveIntegerField(_("training invoices"), default=0)
    training_seconds = models.FloatField(_("training time (s)"), default=0.0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment model")
        verbose_name_plural = _("payment models")

    def __str__(self) -> str:
        return f"{self.get_source_display()} ({self.trained_on})"

    @property
    def uses_model(self) -> bool:
        return self.source == self.Source.MODEL


class InvoicePrediction(models.Model):
    """When an open invoice is expected to be paid: refreshed after training and imports."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="payment_prediction")
    model = models.ForeignKey(PaymentModel, null=True, on_delete=models.SET_NULL, related_name="predictions")
    as_of = models.DateField(_("predicted on"))
    expected_date = models.DateField(_("expected payment date"))
    date_p10 = models.DateField(_("earliest likely date (p10)"))
    date_p90 = models.DateField(_("latest likely date (p90)"))
    days_late = models.IntegerField(_("expected days late"))
    probability_late = models.DecimalField(_("probability of paying late"), max_digits=5, decimal_places=4)
    probability_late_over_30 = models.DecimalField(
        _("probability of paying > 30 days late"), max_digits=5, decimal_places=4
    )
    source = models.CharField(_("source"), max_length=16, choices=PaymentModel.Source.choices)

    class Meta:
        indexes = [models.Index(fields=["expected_date"])]
        verbose_name = _("invoice payment prediction")
        verbose_name_plural = _("invoice payment predictions")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.expected_date}"

    @property
    def risk_level(self) -> str:
        """A badge class: bad above one chance in two of paying > 30 days late."""
        if self.probability_late_over_30 >= 0.5:
            return "bad"
        return "warn" if self.probability_late_over_30 >= 0.2 else "ok"


class OrderPrediction(models.Model):
    """When the cash of an open order is expected: invoiced at its ship date, then paid."""

    order = models.OneToOneField(OpenOrder, on_delete=models.CASCADE, related_name="payment_prediction")
    as_of = models.DateField(_("predicted on"))
    expected_date = models.DateField(_("expected payment date"))
    date_p10 = models.DateField()
    date_p90 = models.DateField()
    source = models.CharField(max_length=16, choices=PaymentModel.Source.choices)

    class Meta:
        verbose_name = _("order payment prediction")
        verbose_name_plural = _("order payment predictions")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.expected_date}"


class ForecastSnapshot(models.Model):
    """The 13-week forecast as it stood on a day, kept to compare with the cash that came in."""

    as_of = models.DateField(_("forecast date"), unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    model = models.ForeignKey(PaymentModel, null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("source"), max_length=16, blank=True)

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")

    def __str__(self) -> str:
        return str(self.as_of)


class ForecastWeek(models.Model):
    snapshot = models.ForeignKey(ForecastSnapshot, on_delete=models.CASCADE, related_name="weeks")
    entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    week_start = models.DateField()
    expected = money_field(_("expected"))
    expected_from_orders = money_field(_("of which from orders"))
    low = money_field(_("low (p10)"))
    high = money_field(_("high (p90)"))

    class Meta:
        ordering = ["week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "entity", "currency", "week_start"], name="forecast_week_unique"
            )
        ]
        verbose_name = _("forecast week")
        verbose_name_plural = _("forecast weeks")

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.currency} {self.week_start}: {self.expected}"


class DunningSuggestion(models.Model):
    """An adaptive-dunning change learned from a customer's history, for the credit manager."""

    class Kind(models.TextChoices):
        EARLIER = "earlier", _("Send earlier")
        LATER = "later", _("Send later")
        SWITCH_CHANNEL = "switch_channel", _("Change channel")

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        APPROVED = "approved", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="dunning_suggestions")
    computed_on = models.DateField(_("computed on"))
    kind = models.CharField(_("suggestion"), max_length=16, choices=Kind.choices)
    stage = models.PositiveIntegerField(_("dunning step"))
    current_channel = models.CharField(_("current channel"), max_length=16)
    proposed_channel = models.CharField(_("proposed channel"), max_length=16)
    current_offset_days = models.IntegerField(_("current timing (days after due)"))
    proposed_offset_days = models.IntegerField(_("proposed timing (days after due)"))
    expected_days_saved = models.DecimalField(_("expected days saved per invoice"), max_digits=7, decimal_places=1)
    share_affected = models.DecimalField(_("share of invoices affected"), max_digits=5, decimal_places=4)
    n_invoices = models.PositiveIntegerField(_("paid invoices analysed"))
    evidence = models.TextField(_("evidence"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-expected_days_saved", "customer__name"]
        verbose_name = _("dunning suggestion")
        verbose_name_plural = _("dunning suggestions")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.kind} step {self.stage}"

    @property
    def shift_days(self) -> int:
        return self.proposed_offset_days - self.current_offset_days
