from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from encours.accounts.models import Department
from encours.core import disputes as rules
from encours.ledger.models import money_field

REASON_LABELS = {  # code -> (label shipped by the data migration, its translation)
    "price": ("Price", _("Price")),
    "quantity": ("Quantity", _("Quantity")),
    "quality": ("Quality", _("Quality")),
    "delivery": ("Delivery", _("Delivery")),
    "not_received": ("Not received", _("Not received")),
    "duplicate": ("Duplicate billing", _("Duplicate billing")),
    "vat_error": ("VAT / invoice error", _("VAT / invoice error")),
    "credit_note": ("Credit note expected", _("Credit note expected")),
    "other": ("Other", _("Other")),
}


class ReasonCode(models.Model):
    """An editable dispute reason with its SLA (days to resolve) and the department it goes to."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("label"), max_length=100)
    sla_days = models.PositiveIntegerField(_("SLA (days)"), default=15)
    department = models.CharField(
        _("default department"), max_length=32, choices=Department.choices, default=Department.CUSTOMER_SERVICE
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("dispute reason")
        verbose_name_plural = _("dispute reasons")

    def __str__(self) -> str:
        return str(self.display_label)

    @property
    def display_label(self) -> str:
        """The shipped reasons in the user's language unless their label was edited."""
        shipped = REASON_LABELS.get(self.code)
        return str(shipped[1]) if shipped is not None and self.label == shipped[0] else self.label


class Status(models.TextChoices):
    OPEN = rules.OPEN, _("Open")
    IN_PROGRESS = rules.IN_PROGRESS, _("In progress")
    WAITING_CUSTOMER = rules.WAITING_CUSTOMER, _("Waiting for customer")
    RESOLVED_CREDIT_NOTE = rules.RESOLVED_CREDIT_NOTE, _("Resolved: credit note")
    RESOLVED_PAYS = rules.RESOLVED_PAYS, _("Resolved: customer pays")
    REJECTED = rules.REJECTED, _("Rejected")


ACTIVE_STATUSES = tuple(sorted(rules.ACTIVE))


def active_on(as_of: object, prefix: str = "") -> Q:
    """Disputes opened on or before ``as_of`` and not resolved by then."""
    return Q(**{f"{prefix}opened_on__lte": as_of}) & (
        Q(**{f"{prefix}resolved_on__isnull": True}) | Q(**{f"{prefix}resolved_on__gt": as_of})
    )


class Dispute(models.Model):
    entity = models.ForeignKey("ledger.LegalEntity", on_delete=models.PROTECT, related_name="disputes")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="disputes")
    reason = models.ForeignKey(ReasonCode, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("reason"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.OPEN)
    department = models.CharField(_("owner department"), max_length=32, choices=Department.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_disputes",
        verbose_name=_("owner"),
    )
    opened_on = models.DateField(_("opened on"))
    expected_resolution_on = models.DateField(_("expected resolution"), null=True, blank=True)
    sla_due_on = models.DateField(_("SLA due on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount_disputed = money_field(_("amount disputed"))
    amount_credited = money_field(_("amount credited"), null=True, blank=True)
    credit_note = models.ForeignKey(
        "ledger.Item",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resolved_disputes",
        verbose_name=_("credit note"),
    )
    credit_note_reference = models.CharField(_("expected credit-note reference"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    external_reference = models.CharField(_("external reference"), max_length=80, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "sla_due_on"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["opened_on", "resolved_on"]),
        ]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{_('Dispute')} #{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status in rules.CLOSED

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        labels = dict(Status.choices)
        return [(status, labels[status]) for status in rules.allowed_transitions(self.status)]


class DisputeLine(models.Model):
    """One disputed invoice and the part of it in dispute."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("ledger.Item", on_delete=models.PROTECT, related_name="dispute_lines")
    amount = money_field(_("amount disputed"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dispute", "item"], name="dispute_line_unique_item"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dispute_line_amount_positive"),
        ]
        verbose_name = _("disputed invoice")
        verbose_name_plural = _("disputed invoices")

    def __str__(self) -> str:
        return f"{self.dispute_id} · {self.item_id}: {self.amount}"


class Event(models.Model):
    """The dispute's timeline: creation, status changes, comments, attachments, escalations."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", _("Comment")
        ASSIGNED = "assigned", _("Assigned")
        ATTACHMENT = "attachment", _("Attachment")
        ESCALATED = "escalated", _("Escalated")
        CREDIT_NOTE = "credit_note", _("Credit note linked")
        UPDATED = "updated", _("Updated")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    on = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["on", "at", "pk"]
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")

    def __str__(self) -> str:
        return f"{self.on} {self.kind}"

    @property
    def to_status_label(self) -> str:
        return str(dict(Status.choices).get(self.to_status, self.to_status))


class Attachment(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="disputes/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An in-app notification (mention, assignment, escalation)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    dispute = models.ForeignKey(Dispute, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.message


class Decision(models.TextChoices):
    CONTINUE = "continue", _("Continue amicable collection")
    FORMAL_NOTICE = "formal_notice", _("Formal notice")
    LITIGATION = "litigation", _("Litigation")
    AGENCY = "agency", _("Collection agency")
    CREDIT_BLOCK = "credit_block", _("Credit block")
    LIMIT_CHANGE = "limit_change", _("Credit limit change")
    PROVISION = "provision", _("Provision for doubtful debt")
    WRITE_OFF = "write_off", _("Write-off")


class Committee(models.Model):
    """An unpaid committee (comité impayés) of one region or one legal entity for a month."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft pack")
        HELD = "held", _("Decisions recorded")
        SIGNED = "signed", _("Signed off")

    month = models.DateField(_("month"))
    region = models.CharField(_("region"), max_length=64, blank=True)
    entity = models.ForeignKey(
        "ledger.LegalEntity", null=True, blank=True, on_delete=models.PROTECT, related_name="committees"
    )
    min_days_late = models.PositiveIntegerField(_("threshold: days past due"), default=60)
    min_amount = money_field(_("threshold: overdue amount"), default=5000)
    as_of = models.DateField(_("pack as of"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "region"]
        verbose_name = _("unpaid committee")
        verbose_name_plural = _("unpaid committees")

    def __str__(self) -> str:
        return f"{self.scope_label} {self.month:%m/%Y}"

    @property
    def scope_label(self) -> str:
        return self.region or (self.entity.name if self.entity_id else "")


class CommitteeCase(models.Model):
    """One customer of a committee pack: the figures at pack time, the proposal, the decision."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="cases")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="committee_cases")
    overdue_amount = money_field(_("overdue"))
    open_amount = money_field(_("open"))
    disputed_amount = money_field(_("disputed"), default=0)
    max_days_late = models.PositiveIntegerField(_("max days past due"))
    proposed = models.CharField(_("proposed decision"), max_length=16, choices=Decision.choices)
    proposed_reason = models.CharField(_("why"), max_length=300, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    provision_percent = models.DecimalField(_("provision %"), max_digits=5, decimal_places=2, null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    new_limit = money_field(_("new credit limit"), null=True, blank=True)
    previous_case = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    enacted_at = models.DateTimeField(_("enacted at"), null=True, blank=True)
    enactment = models.CharField(_("what was done"), max_length=300, blank=True)

    class Meta:
        ordering = ["-overdue_amount"]
        constraints = [models.UniqueConstraint(fields=["committee", "customer"], name="committee_case_unique_customer")]
        verbose_name = _("committee case")
        verbose_name_plural = _("committee cases")

    def __str__(self) -> str:
        return f"{self.committee_id} · {self.customer_id}"


class ProvisionEntry(models.Model):
    """One invoice's provision for doubtful debt, as a signed-off committee decided it (``core.provisions``)."""

    case = models.ForeignKey(CommitteeCase, on_delete=models.CASCADE, related_name="provisions")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="provisions")
    item = models.ForeignKey("ledger.Item", on_delete=models.PROTECT, related_name="provisions")
    recorded_on = models.DateField(_("recorded on"))
    open_amount = money_field(_("open amount incl. VAT"))
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    amount_ht = money_field(_("amount excl. VAT"))
    vat = money_field(_("VAT"))
    rate = models.DecimalField(_("provision rate"), max_digits=5, decimal_places=2)
    provision = money_field(_("provision"))
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["recorded_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "item"], name="provision_once_per_case_item")]
        verbose_name = _("provision entry")
        verbose_name_plural = _("provision entries")

    def __str__(self) -> str:
        return f"{self.item_id} {self.rate} % {self.provision}"
