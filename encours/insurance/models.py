"""Credit insurance (policies, buyer cover decisions, requests, declarations, claims) and
factoring (contracts, debtor approvals, bordereaux, assigned invoices, drawings)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from encours.core.insurance import CoverStatus, buyer_outside_policy
from encours.ledger.models import Customer, CustomerGroup, Item, LegalEntity, money_field


def rate_field(verbose_name: str, default: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=5, default=Decimal(default))


class InsurancePolicy(models.Model):
    class PremiumBasis(models.TextChoices):
        TURNOVER = "turnover", _("Insured turnover")
        OUTSTANDING = "outstanding", _("Insured outstanding")
        FLAT = "flat", _("Flat premium")

    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="insurance_policies")
    insurer = models.CharField(_("insurer"), max_length=120)
    number = models.CharField(_("policy number"), max_length=60)
    insurer_email = models.EmailField(_("insurer email for cover requests"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    indemnity_rate = rate_field(_("indemnity rate"), "0.90")
    discretionary_limit = money_field(_("discretionary limit"), default=Decimal(0))
    max_extension_days = models.PositiveIntegerField(_("maximum extension period (days)"), default=60)
    declaration_deadline_days = models.PositiveIntegerField(
        _("overdue declaration deadline (days after the original due date)"), default=60
    )
    non_qualifying_threshold = money_field(_("non-qualifying loss threshold"), default=Decimal(0))
    waiting_period_days = models.PositiveIntegerField(_("waiting period (days)"), default=150)
    premium_basis = models.CharField(
        _("premium basis"), max_length=16, choices=PremiumBasis.choices, default=PremiumBasis.TURNOVER
    )
    premium_rate = rate_field(_("premium rate"), "0.0025")
    flat_premium = money_field(_("annual flat premium"), default=Decimal(0))
    covered_countries = models.CharField(_("covered countries"), max_length=200, blank=True, default="FR")
    covered_categories = models.CharField(_("covered customer categories"), max_length=200, blank=True)
    alert_share = rate_field(_("alert when exposure reaches this share of cover"), "0.90")

    class Meta:
        ordering = ["entity__name", "insurer", "number"]
        constraints = [models.UniqueConstraint(fields=["entity", "number"], name="policy_number_unique_per_entity")]
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")

    def __str__(self) -> str:
        return f"{self.insurer} {self.number}"

    def outside_reason(self, customer: Customer) -> str:
        """Why this policy gives the customer no cover (country or category outside it), or ""."""
        return buyer_outside_policy(
            country=customer.country,
            category=customer.category,
            covered_countries=self.covered_countries,
            covered_categories=self.covered_categories,
        )


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PARTIAL = "partial", _("Partially approved")
    REFUSED = "refused", _("Refused")
    REDUCED = "reduced", _("Reduced")
    CANCELLED = "cancelled", _("Cancelled by the insurer")
    CANCELLED_BY_INSURED = "cancelled_insured", _("Cancelled by the insured")


NO_COVER_DECISIONS = (Decision.REFUSED, Decision.CANCELLED, Decision.CANCELLED_BY_INSURED)
CORE_STATUS = {
    Decision.APPROVED: CoverStatus.APPROVED,
    Decision.PARTIAL: CoverStatus.PARTIAL,
    Decision.REFUSED: CoverStatus.REFUSED,
    Decision.REDUCED: CoverStatus.REDUCED,
    Decision.CANCELLED: CoverStatus.CANCELLED,
    Decision.CANCELLED_BY_INSURED: CoverStatus.CANCELLED,
}


class CoverDecision(models.Model):
    """One insurer decision on a buyer (customer or group): the history of its cover.

    The decision in force on a date is the latest one effective on or before it."""

    policy = models.ForeignKey(InsurancePolicy, on_delete=models.PROTECT, related_name="decisions")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="cover_decisions"
    )
    group = models.ForeignKey(
        CustomerGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="cover_decisions"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    requested_amount = money_field(_("requested amount"), default=Decimal(0))
    granted_amount = money_field(_("granted amount"), default=Decimal(0))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    decided_on = models.DateField(_("decided on"))
    effective_on = models.DateField(_("effective on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reference = models.CharField(_("decision reference"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=16, default="import")
    source_file = models.CharField(_("source file"), max_length=200, blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-decided_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "reference"], condition=~Q(reference=""), name="cover_decision_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(group__isnull=False), name="cover_decision_has_buyer"
            ),
        ]
        indexes = [models.Index(fields=["customer", "effective_on"])]
        verbose_name = _("cover decision")
        verbose_name_plural = _("cover decisions")

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.granted_amount} ({self.effective_on})"

    @property
    def gives_cover(self) -> bool:
        return self.decision not in NO_COVER_DECISIONS


class DecisionMapping(models.Model):
    """Column mapping of an insurer's decision file: field → header, value translations."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("decision file mapping")
        verbose_name_plural = _("decision file mappings")

    def __str__(self) -> str:
        return self.name


class CoverRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        SENT = "sent", _("Sent to the insurer")
        EXPORTED = "exported", _("Exported for the insurer portal")
        DECIDED = "decided", _("Decision received")
        DISMISSED = "dismissed", _("Dismissed")

    OPEN_STATUSES = (Status.PENDING, Status.SENT, Status.EXPORTED)

    policy = models.ForeignKey(InsurancePolicy, on_delete=models.PROTECT, related_name="requests")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cover_requests")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    prepared_on = models.DateField(_("prepared on"))
    current_cover = money_field(_("current cover"))
    requested_amount = money_field(_("requested amount"))
    exposure = money_field(_("exposure"))
    outstanding = money_field(_("open receivables"))
    open_orders = money_field(_("open orders"))
    overdue = money_field(_("overdue"))
    average_days_late = models.DecimalField(
        _("average days late (12 months)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=8, blank=True)
    reason = models.CharField(_("reason"), max_length=400, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=200, blank=True)
    decision = models.ForeignKey(CoverDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-prepared_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "customer"],
                condition=Q(status__in=["pending", "sent", "exported"]),
                name="one_open_cover_request_per_buyer",
            )
        ]
        verbose_name = _("cover request")
        verbose_name_plural = _("cover requests")

    def __str__(self) -> str:
        return f"{self.customer} → {self.requested_amount}"


class Declaration(models.Model):
    """An overdue declaration (menace de sinistre) to the insurer for one buyer."""

    class Status(models.TextChoices):
        DECLARED = "declared", _("Declared")
        CLAIM = "claim", _("Claim filed")
        SETTLED = "settled", _("Settled by the buyer")

    policy = models.ForeignKey(InsurancePolicy, on_delete=models.PROTECT, related_name="declarations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="insurance_declarations")
    items = models.ManyToManyField(Item, related_name="+", blank=True)
    declared_on = models.DateField(_("declared on"))
    deadline = models.DateField(_("declaration deadline"))
    amount = money_field(_("declared amount"))
    reference = models.CharField(_("insurer reference"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DECLARED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-declared_on", "-pk"]
        verbose_name = _("overdue declaration")
        verbose_name_plural = _("overdue declarations")

    def __str__(self) -> str:
        return f"{self.customer} {self.amount} ({self.declared_on})"


class DeclaredInvoice(models.Model):
    """One invoice of a declaration, with the cover decision in force on its delivery date."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("invoice"), max_length=60)
    delivered_on = models.DateField(_("delivered on"))
    amount = money_field(_("declared amount"))
    decision = models.ForeignKey(
        CoverDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decision")
    )
    cover = money_field(_("cover in force at delivery"), default=Decimal(0))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["delivered_on", "number", "pk"]
        constraints = [models.UniqueConstraint(fields=["declaration", "item"], name="declared_invoice_once")]
        verbose_name = _("declared invoice")
        verbose_name_plural = _("declared invoices")

    def __str__(self) -> str:
        return f"{self.number}: {self.cover}"


class Claim(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INDEMNIFIED = "indemnified", _("Indemnified")
        REJECTED = "rejected", _("Rejected")
        CLOSED = "closed", _("Closed")

    declaration = models.OneToOneField(Declaration, on_delete=models.PROTECT, related_name="claim")
    opened_on = models.DateField(_("opened on"))
    loss = money_field(_("loss"))
    cover = money_field(_("cover in force at delivery"))
    expected_indemnity = money_field(_("expected indemnity"))
    payable_from = models.DateField(_("indemnity payable from"), null=True, blank=True)
    insolvency_on = models.DateField(_("insolvency judgment"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    explanation = models.CharField(_("explanation"), max_length=400, blank=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"{self.declaration.customer} {self.loss}"


class InsurerPayment(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField(_("paid on"))
    amount = money_field(_("amount"))
    reference = models.CharField(_("reference"), max_length=60, blank=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("insurer payment")
        verbose_name_plural = _("insurer payments")

    def __str__(self) -> str:
        return f"{self.amount} ({self.paid_on})"


class Recovery(models.Model):
    """Money recovered from the buyer after the claim (shared with the insurer pro rata)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="recoveries")
    received_on = models.DateField(_("received on"))
    amount = money_field(_("amount"))
    insurer_share = money_field(_("insurer share"), default=Decimal(0))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["received_on", "pk"]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")

    def __str__(self) -> str:
        return f"{self.amount} ({self.received_on})"


class PremiumStatement(models.Model):
    """The premium of one month of a policy: its basis (turnover declared, outstanding at month
    end or the flat premium) × the policy's rate."""

    policy = models.ForeignKey(InsurancePolicy, on_delete=models.PROTECT, related_name="premiums")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    basis = models.CharField(_("premium basis"), max_length=16, choices=InsurancePolicy.PremiumBasis.choices)
    base_amount = money_field(_("basis amount"))
    rate = models.DecimalField(_("premium rate"), max_digits=7, decimal_places=5)
    premium = money_field(_("premium"))
    buyers = models.PositiveIntegerField(_("insured buyers"), default=0)
    excluded_buyers = models.PositiveIntegerField(_("buyers outside the policy"), default=0)
    declared_on = models.DateField(_("declared on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "policy__number"]
        constraints = [models.UniqueConstraint(fields=["policy", "period_start"], name="premium_once_per_period")]
        verbose_name = _("premium statement")
        verbose_name_plural = _("premium statements")

    def __str__(self) -> str:
        return f"{self.policy.number} {self.period_start:%Y-%m}: {self.premium}"

    @property
    def rate_percent(self) -> Decimal:
        return self.rate * 100


# --- factoring --------------------------------------------------------------------------------


class FactoringContract(models.Model):
    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="factoring_contracts")
    factor = models.CharField(_("factor"), max_length=120)
    number = models.CharField(_("contract number"), max_length=60)
    iban = models.CharField(_("factor IBAN"), max_length=34, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    start_date = models.DateField(_("start date"))
    advance_rate = rate_field(_("advance rate"), "0.90")
    reserve_rate = rate_field(_("guarantee fund rate"), "0.10")
    service_commission_rate = rate_field(_("service commission rate"), "0.01")
    financing_margin = rate_field(_("financing margin"), "0.015")
    index_rate = rate_field(_("index rate (3-month Euribor)"), "0.02")
    global_limit = money_field(_("global limit"))
    max_payment_days = models.PositiveIntegerField(_("maximum payment terms (days)"), default=120)
    return_after_days_overdue = models.PositiveIntegerField(_("return after days overdue"), default=90)

    class Meta:
        ordering = ["factor", "number"]
        constraints = [models.UniqueConstraint(fields=["entity", "number"], name="factoring_number_unique")]
        verbose_name = _("factoring contract")
        verbose_name_plural = _("factoring contracts")

    def __str__(self) -> str:
        return f"{self.factor} {self.number}"


class DebtorApproval(models.Model):
    contract = models.ForeignKey(FactoringContract, on_delete=models.CASCADE, related_name="approvals")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="factoring_approvals")
    approved_amount = money_field(_("approved amount"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "customer"], name="debtor_approval_unique")]
        verbose_name = _("debtor approval")
        verbose_name_plural = _("debtor approvals")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.approved_amount}"


class Bordereau(models.Model):
    """An assignment batch of invoices to the factor, with the figures of the batch."""

    contract = models.ForeignKey(FactoringContract, on_delete=models.PROTECT, related_name="bordereaux")
    number = models.PositiveIntegerField(_("number"))
    assigned_on = models.DateField(_("assigned on"))
    assigned_total = money_field(_("assigned"))
    eligible_total = money_field(_("eligible"))
    financed = money_field(_("financed"))
    reserve = money_field(_("guarantee fund"))
    service_commission = money_field(_("service commission"))
    commission_vat = money_field(_("VAT on commission"))
    estimated_interest = money_field(_("estimated interest"))
    net_payable = money_field(_("net payable"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-assigned_on", "-number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="bordereau_number_unique")]
        verbose_name = _("bordereau")
        verbose_name_plural = _("bordereaux")

    def __str__(self) -> str:
        return f"{self.contract.number}-{self.number:04d}"


class AssignedInvoice(models.Model):
    bordereau = models.ForeignKey(Bordereau, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    amount = money_field(_("amount"))
    eligible = money_field(_("eligible"))
    reasons = models.CharField(_("ineligibility reasons"), max_length=300, blank=True)
    estimated_interest = money_field(_("estimated interest"), default=Decimal(0))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    returned_amount = money_field(_("returned amount"), default=Decimal(0))
    return_reason = models.CharField(_("return reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["bordereau", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["item"], condition=Q(returned_on__isnull=True), name="item_assigned_once")
        ]
        verbose_name = _("assigned invoice")
        verbose_name_plural = _("assigned invoices")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.amount}"


class FactoringDrawing(models.Model):
    """Funds the client draws on its factoring account (or pays back, negative)."""

    contract = models.ForeignKey(FactoringContract, on_delete=models.CASCADE, related_name="drawings")
    drawn_on = models.DateField(_("drawn on"))
    amount = money_field(_("amount"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-drawn_on", "-pk"]
        verbose_name = _("drawing")
        verbose_name_plural = _("drawings")

    def __str__(self) -> str:
        return f"{self.amount} ({self.drawn_on})"
