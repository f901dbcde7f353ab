"""Customer risk: companies and their accounts, external information, grades, limits, guarantees,
held orders and early-warning alerts.

A company is identified by its SIREN; it is a customer when a ledger customer carries the same
SIREN, a prospect otherwise (assessing a company before the first sale is part of the job).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from encours.core.credit import GuaranteeKind
from encours.core.grading import LegalEventKind
from encours.ledger import validators
from encours.ledger.models import Customer, CustomerGroup, LegalEntity


def money_field(verbose_name: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=3, **kwargs)  # type: ignore[arg-type]


def statement_field(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=2, null=True, blank=True)


class Company(models.Model):
    siren = models.CharField(_("SIREN"), max_length=9, unique=True, validators=[validators.validate_siren])
    name = models.CharField(_("name"), max_length=200, blank=True)
    naf_code = models.CharField(_("NAF code"), max_length=6, blank=True)
    created_on = models.DateField(_("company created on"), null=True, blank=True)

    class Meta:
        ordering = ["siren"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return f"{self.name or self.siren} ({self.siren})"


# (field name, label) in the order of the entry form and the statements table
STATEMENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("total_assets", _("Total assets")),
    ("current_assets", _("Current assets")),
    ("inventories", _("Inventories")),
    ("receivables", _("Trade receivables")),
    ("cash", pgettext_lazy("balance sheet", "Cash")),
    ("equity", _("Equity")),
    ("long_term_debt", _("Long-term debt")),
    ("financial_debt", _("Financial debt")),
    ("total_debt", _("Total debt")),
    ("current_liabilities", _("Current liabilities")),
    ("retained_earnings", _("Retained earnings")),
    ("pge_outstanding", _("State-guaranteed loans (PGE) outstanding")),
    ("revenue", _("Revenue")),
    ("value_added", _("Value added")),
    ("ebitda", _("Gross operating surplus (EBE)")),
    ("ebit", _("Operating income (EBIT)")),
    ("financial_expenses", _("Financial expenses")),
    ("personnel_expenses", _("Personnel expenses")),
    ("net_income", _("Net income")),
)


class FinancialStatement(models.Model):
    """One fiscal year of a company's accounts; an empty figure is unknown, never zero."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="statements")
    year = models.PositiveIntegerField(_("fiscal year"))
    closed_on = models.DateField(_("closing date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_assets = statement_field(_("Total assets"))
    current_assets = statement_field(_("Current assets"))
    inventories = statement_field(_("Inventories"))
    receivables = statement_field(_("Trade receivables"))
    cash = statement_field(pgettext_lazy("balance sheet", "Cash"))
    equity = statement_field(_("Equity"))
    long_term_debt = statement_field(_("Long-term debt"))
    financial_debt = statement_field(_("Financial debt"))
    total_debt = statement_field(_("Total debt"))
    current_liabilities = statement_field(_("Current liabilities"))
    retained_earnings = statement_field(_("Retained earnings"))
    pge_outstanding = statement_field(_("State-guaranteed loans (PGE) outstanding"))
    revenue = statement_field(_("Revenue"))
    value_added = statement_field(_("Value added"))
    ebitda = statement_field(_("Gross operating surplus (EBE)"))
    ebit = statement_field(_("Operating income (EBIT)"))
    financial_expenses = statement_field(_("Financial expenses"))
    personnel_expenses = statement_field(_("Personnel expenses"))
    net_income = statement_field(_("Net income"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="risk_statement_unique_year")]
        ordering = ["company", "-year"]
        verbose_name = _("financial statement")
        verbose_name_plural = _("financial statements")

    def __str__(self) -> str:
        return f"{self.company.siren} {self.year}"


class Rating(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="ratings")
    agency = models.CharField(_("agency"), max_length=40)
    scale = models.CharField(_("scale"), max_length=40, blank=True)
    rating = models.CharField(_("rating"), max_length=20)
    rated_on = models.DateField(_("rating date"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "agency", "rated_on"], name="risk_rating_unique_day"),
        ]
        ordering = ["company", "-rated_on"]
        verbose_name = _("external rating")
        verbose_name_plural = _("external ratings")

    def __str__(self) -> str:
        return f"{self.agency} {self.rating} ({self.rated_on})"


class LegalEvent(models.Model):
    """A BODACC-like announcement: collective proceedings, directors or capital changes…"""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="legal_events")
    kind = models.CharField(_("kind"), max_length=24, choices=[(k.value, k.value) for k in LegalEventKind])
    published_on = models.DateField(_("published on"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    court = models.CharField(_("court"), max_length=120, blank=True)
    claim_deadline = models.DateField(_("claim declaration deadline"), null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "published_on", "reference"], name="risk_legal_event_unique"
            ),
        ]
        ordering = ["company", "-published_on"]
        verbose_name = _("legal event")
        verbose_name_plural = _("legal events")

    def __str__(self) -> str:
        return f"{self.kind} {self.published_on}"


class RiskSettings(models.Model):
    """Grade weights and score thresholds: data the credit manager edits; every save is a new
    version (the latest applies), so the history stays."""

    weight_financial = models.DecimalField(_("weight: financial scores"), max_digits=6, decimal_places=2, default=35)
    weight_payer = models.DecimalField(_("weight: payer behaviour"), max_digits=6, decimal_places=2, default=25)
    weight_external_rating = models.DecimalField(
        _("weight: external rating"), max_digits=6, decimal_places=2, default=20
    )
    weight_legal = models.DecimalField(_("weight: legal events"), max_digits=6, decimal_places=2, default=10)
    weight_seniority = models.DecimalField(_("weight: seniority"), max_digits=6, decimal_places=2, default=10)
    floor_a = models.DecimalField(_("lowest score of grade A"), max_digits=6, decimal_places=2, default=80)
    floor_b = models.DecimalField(_("lowest score of grade B"), max_digits=6, decimal_places=2, default=65)
    floor_c = models.DecimalField(_("lowest score of grade C"), max_digits=6, decimal_places=2, default=50)
    floor_d = models.DecimalField(_("lowest score of grade D"), max_digits=6, decimal_places=2, default=35)
    altman_safe_above = models.DecimalField(
        _("Altman Z'': safe above"), max_digits=8, decimal_places=4, default=Decimal("2.60")
    )
    altman_grey_from = models.DecimalField(
        _("Altman Z'': grey from"), max_digits=8, decimal_places=4, default=Decimal("1.10")
    )
    conan_safe_above = models.DecimalField(
        _("Conan-Holder: safe above"), max_digits=8, decimal_places=4, default=Decimal("0.16")
    )
    conan_grey_from = models.DecimalField(
        _("Conan-Holder: grey from"), max_digits=8, decimal_places=4, default=Decimal("0.09")
    )
    conan_alert_from = models.DecimalField(
        _("Conan-Holder: alert from"), max_digits=8, decimal_places=4, default=Decimal("0.04")
    )
    hold_overdue_days = models.PositiveIntegerField(_("hold orders when overdue beyond (days)"), default=30)
    reject_overdue_days = models.PositiveIntegerField(_("reject orders when overdue beyond (days)"), default=90)
    no_limit_threshold = money_field(
        _("report customers without a credit limit above this exposure"), default=Decimal(5000)
    )
    over_limit_tolerance_percent = models.DecimalField(
        _("over-limit alert only beyond (% of the limit)"), max_digits=6, decimal_places=2, default=Decimal(5)
    )
    over_limit_tolerance_amount = money_field(_("over-limit alert only beyond (amount)"), default=Decimal(1000))
    limit_review_days = models.PositiveIntegerField(_("limits to review: expiring within (days)"), default=30)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("risk settings")
        verbose_name_plural = _("risk settings")

    def __str__(self) -> str:
        return f"risk settings #{self.pk}"


class LimitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CreditLimit(models.Model):
    """A limit request and its decision, for a customer or for a whole group (consolidated)."""

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="credit_limits"
    )
    group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="credit_limits"
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(_("status"), max_length=12, choices=LimitStatus.choices, default=LimitStatus.REQUESTED)
    valid_from = models.DateField(_("valid from"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    recommended = money_field(_("recommended limit"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    request_comment = models.CharField(_("request comment"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("decision comment"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, group__isnull=True) | Q(customer__isnull=True, group__isnull=False),
                name="risk_limit_customer_xor_group",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="risk_limit_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["customer", "status", "valid_from"])]
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("credit limit")
        verbose_name_plural = _("credit limits")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"


class Guarantee(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="guarantees")
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[
            (GuaranteeKind.BANK_GUARANTEE.value, _("Bank guarantee")),
            (GuaranteeKind.LETTER_OF_CREDIT.value, _("Letter of credit")),
            (GuaranteeKind.DEPOSIT.value, _("Deposit")),
            (GuaranteeKind.PARENT_GUARANTEE.value, _("Parent company guarantee")),
        ],
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    issuer = models.CharField(_("issuer"), max_length=120, blank=True)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="risk_guarantee_amount_not_negative")]
        ordering = ["customer", "expires_on"]
        verbose_name = _("guarantee")
        verbose_name_plural = _("guarantees")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class HeldOrder(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="held_orders")
    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("order reference"), max_length=80, blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reasons = models.JSONField(_("reasons"), default=list)
    exposure = money_field(_("exposure at check"))
    limit = money_field(_("limit at check"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.HELD)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]
        ordering = ["-created_at", "-pk"]
        verbose_name = _("held order")
        verbose_name_plural = _("held orders")

    def __str__(self) -> str:
        return f"{self.reference or self.pk} {self.amount}"


class RiskAlert(models.Model):
    """An open problem on a customer: one open alert per customer and kind, updated by each daily
    run while the condition lasts, closed (``closed_on``) when it ends."""

    class Severity(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="risk_alerts")
    kind = models.CharField(_("kind"), max_length=32)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    message = models.CharField(_("message"), max_length=500)
    key = models.CharField(max_length=200, unique=True)
    raised_on = models.DateField(_("raised on"))
    updated_on = models.DateField(_("last seen on"), null=True, blank=True)
    worsened_on = models.DateField(_("worsened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    exposure = money_field(_("exposure"), default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_alerts",
        verbose_name=_("assigned to"),
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["acknowledged_at", "raised_on"]),
            models.Index(fields=["closed_on", "customer"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind"], condition=Q(closed_on__isnull=True), name="one_open_alert_per_kind"
            )
        ]
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class GradeSnapshot(models.Model):
    """A customer's grade and payer index as computed by a daily run (history and trend)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="grade_snapshots")
    on = models.DateField(_("date"))
    letter = models.CharField(_("grade"), max_length=1, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    payer_index = models.DecimalField(_("payer index"), max_digits=5, decimal_places=1, null=True, blank=True)
    overdue_amount = money_field(_("overdue amount"), default=Decimal(0))
    net_exposure = money_field(_("net exposure"), default=Decimal(0))
    explanation = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "on"], name="risk_snapshot_unique_day")]
        ordering = ["customer", "-on"]
        verbose_name = _("grade snapshot")
        verbose_name_plural = _("grade snapshots")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.on}: {self.letter or '-'}"


class RiskImportMapping(models.Model):
    """A saved column mapping for statements, ratings or legal-event files: field → column."""

    class Kind(models.TextChoices):
        STATEMENTS = "statements", _("Financial statements")
        RATINGS = "ratings", _("Ratings")
        LEGAL_EVENTS = "legal_events", _("Legal events")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    columns = models.JSONField(_("columns"), default=dict)
    values = models.JSONField(_("value translations"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("risk import mapping")
        verbose_name_plural = _("risk import mappings")

    def __str__(self) -> str:
        return self.name
