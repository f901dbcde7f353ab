"""Cash application: bank accounts, statements, bank lines, proposals, applications, learned
payer aliases and per-entity matching settings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from encours.core.matching.values import MatchingConfig
from encours.ledger import validators
from encours.ledger.models import Allocation, Customer, Item, LegalEntity, money_field


class BankAccount(models.Model):
    """A bank account of a legal entity receiving customer payments. ``account_id`` is the
    account as statements write it (an IBAN, or bank code/account for old MT940 files)."""

    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="bank_accounts")
    account_id = models.CharField(_("account identifier"), max_length=64, unique=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validators.validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    csv_mapping = models.JSONField(_("CSV column mapping"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity_id", "label", "account_id"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return self.label or self.iban or self.account_id


class MatchingSettings(models.Model):
    """What a credit manager tunes per legal entity (defaults = the engine's defaults)."""

    entity = models.OneToOneField(LegalEntity, on_delete=models.CASCADE, related_name="matching_settings")
    auto_apply_threshold = models.DecimalField(
        _("auto-apply threshold"), max_digits=4, decimal_places=3, default=Decimal("0.900")
    )
    auto_apply_margin = models.DecimalField(
        _("margin over the runner-up"), max_digits=4, decimal_places=3, default=Decimal("0.050")
    )
    fee_tolerance_absolute = models.DecimalField(
        _("bank fee tolerance (amount)"), max_digits=10, decimal_places=2, default=Decimal("15.00")
    )
    fee_tolerance_percent = models.DecimalField(
        _("bank fee tolerance (%)"), max_digits=5, decimal_places=2, default=Decimal("2.00")
    )
    discount_percents = models.CharField(_("early-payment discount rates (%)"), max_length=60, default="2, 1.5, 1, 3")
    discount_grace_days = models.PositiveIntegerField(_("discount grace days"), default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")

    def __str__(self) -> str:
        return f"{self.entity}"

    @property
    def discount_rates(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(p.strip()) for p in self.discount_percents.split(",") if p.strip())

    def to_config(self) -> MatchingConfig:
        return MatchingConfig(
            auto_apply_threshold=float(self.auto_apply_threshold),
            auto_apply_margin=float(self.auto_apply_margin),
            fee_tolerance_absolute=self.fee_tolerance_absolute,
            fee_tolerance_percent=self.fee_tolerance_percent,
            early_payment_discount_percents=self.discount_rates,
            discount_grace_days=self.discount_grace_days,
        )


class Statement(models.Model):
    """One imported statement; ``natural_key`` (statement id, sequence, first day) makes a
    re-import of the same file a no-op."""

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements")
    format = models.CharField(_("format"), max_length=10)
    format_version = models.CharField(_("format version"), max_length=20, blank=True)
    statement_id = models.CharField(_("statement id"), max_length=80, blank=True)
    sequence_number = models.CharField(_("sequence number"), max_length=40, blank=True)
    natural_key = models.CharField(max_length=300)
    from_date = models.DateField(_("from"), null=True, blank=True)
    to_date = models.DateField(_("to"), null=True, blank=True)
    opening_balance = money_field(_("opening balance"), null=True, blank=True)
    closing_balance = money_field(_("closing balance"), null=True, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "natural_key"], name="statement_unique_key")]
        ordering = ["-imported_at", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return f"{self.account} {self.statement_id or self.pk}"


class LineStatus(models.TextChoices):
    NEW = "new", _("New")
    APPLIED = "applied", _("Applied")
    ON_ACCOUNT = "on_account", _("On account")
    REVIEW = "review", _("To review")
    NOT_CUSTOMER = "not_customer", _("Not a customer receipt")
    OUTGOING = "outgoing", _("Outgoing")
    REVERSAL = "reversal", _("Reversal")


# what the import's summary counts as "applied" and "other"
APPLIED_STATUSES = (LineStatus.APPLIED, LineStatus.ON_ACCOUNT)
OTHER_STATUSES = (LineStatus.NOT_CUSTOMER, LineStatus.OUTGOING, LineStatus.REVERSAL)


class BankLine(models.Model):
    """One transaction of a statement (a camt TxDtls, an entry without details, an MT940 :61:)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines")
    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("position"))
    key = models.CharField(_("key"), max_length=200)
    entry_ref = models.CharField(_("entry reference"), max_length=140, blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    booking_date = models.DateField(_("booking date"), null=True, blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=40, blank=True)
    counterparty_bic = models.CharField(_("counterparty BIC"), max_length=11, blank=True)
    ultimate_party_name = models.CharField(_("ultimate party"), max_length=200, blank=True)
    remittance_text = models.TextField(_("remittance information"), blank=True)
    creditor_reference = models.CharField(_("creditor reference"), max_length=60, blank=True)
    creditor_reference_type = models.CharField(max_length=20, blank=True)
    referenced_documents = models.JSONField(default=list, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=140, blank=True)
    transaction_ref = models.CharField(_("transaction reference"), max_length=140, blank=True)
    bank_transaction_code = models.CharField(_("bank transaction code"), max_length=40, blank=True)
    additional_info = models.TextField(blank=True)
    is_reversal = models.BooleanField(default=False)
    status = models.CharField(_("status"), max_length=16, choices=LineStatus.choices, default=LineStatus.NEW)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="bank_line_unique_key")]
        indexes = [models.Index(fields=["entity", "status"])]
        ordering = ["booking_date", "statement_id", "position"]
        verbose_name = _("bank line")
        verbose_name_plural = _("bank lines")

    def __str__(self) -> str:
        return f"{self.entry_ref or self.key} {self.amount}"

    @property
    def payer_name(self) -> str:
        return self.counterparty_name if self.amount > 0 else ""


class Proposal(models.Model):
    """A ranked suggestion for a line in review: allocations as [{item, number, amount, write_off}]."""

    line = models.ForeignKey(BankLine, on_delete=models.CASCADE, related_name="proposals")
    rank = models.PositiveSmallIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    confidence = models.DecimalField(max_digits=4, decimal_places=3)
    rule = models.CharField(max_length=40)
    reason = models.CharField(max_length=500)
    allocations = models.JSONField(default=list)
    unapplied = money_field(default=Decimal(0))
    write_off_reason = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["line_id", "rank"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return f"#{self.rank} {self.rule} {self.confidence}"


class Application(models.Model):
    """A bank line applied: the payment item it created and the allocations made. Undone
    applications stay as history (``undone_at``)."""

    class Kind(models.TextChoices):
        AUTO = "auto", _("Automatic")
        ACCEPTED = "accepted", _("Accepted suggestion")
        SPLIT = "split", _("Manual split")
        ON_ACCOUNT = "on_account", _("On account")

    line = models.ForeignKey(BankLine, on_delete=models.CASCADE, related_name="applications")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    letter = models.CharField(_("letter code"), max_length=10, blank=True)
    amount_applied = money_field(_("applied"), default=Decimal(0))
    unapplied = money_field(_("unapplied"), default=Decimal(0))
    write_off = money_field(_("written off"), default=Decimal(0))
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"{self.line} → {self.customer}"


class AppliedAllocation(models.Model):
    """An allocation an application made (payment, credit note or write-off against an invoice)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="applied")
    allocation = models.ForeignKey(Allocation, null=True, on_delete=models.SET_NULL, related_name="+")
    invoice = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    credit = models.ForeignKey(Item, null=True, on_delete=models.SET_NULL, related_name="+")
    amount = money_field(_("amount"))
    from_payment = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("applied allocation")
        verbose_name_plural = _("applied allocations")

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.amount}"


class PayerAlias(models.Model):
    """A payer IBAN or name learned from a confirmed match: identifies the customer next time."""

    class Kind(models.TextChoices):
        IBAN = "iban", _("IBAN")
        NAME = "name", _("Name")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payer_aliases")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "kind", "value"], name="payer_alias_unique")]
        verbose_name = _("payer alias")
        verbose_name_plural = _("payer aliases")

    def __str__(self) -> str:
        return f"{self.value} → {self.customer_id}"
