from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from encours.core.terms import PaymentTerms
from encours.ledger import validators
from encours.ledger.queries import ItemQuerySet


def money_field(verbose_name: str | None = None, **kwargs: object) -> models.DecimalField:
    """Amounts: 3 decimals stored, quantised to the currency's minor unit by services."""
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=3, **kwargs)  # type: ignore[arg-type]


class LegalEntity(models.Model):
    name = models.CharField(_("name"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, unique=True, validators=[validators.validate_siren])
    country = models.CharField(_("country"), max_length=2, default="FR")
    currency = models.CharField(_("functional currency"), max_length=3, default="EUR")
    default_terms_days = models.PositiveIntegerField(_("default payment terms (days)"), default=30)
    legal_form = models.CharField(_("legal form"), max_length=40, blank=True)
    share_capital = models.CharField(_("share capital"), max_length=40, blank=True)
    rcs = models.CharField(_("RCS registration"), max_length=80, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    iban = models.CharField(_("IBAN for receipts"), max_length=34, blank=True, validators=[validators.validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    total_assets = money_field(_("total assets (last balance sheet)"), null=True, blank=True)
    balance_sheet_date = models.DateField(_("balance sheet date"), null=True, blank=True)
    opening_journals = models.CharField(
        _("opening entry journals"),
        max_length=200,
        blank=True,
        help_text=_(
            "FEC journal codes of the opening entries (à-nouveaux), comma-separated; empty: AN, RAN, ANO, OUV…"
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return self.name


class CustomerGroup(models.Model):
    """A parent company: its subsidiaries' exposure is consolidated across our entities."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validators.validate_siren])
    country = models.CharField(_("country"), max_length=2, default="FR")

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    KEY_ACCOUNT = "key_account", _("Key account")
    SME = "sme", _("SME")
    PUBLIC = "public", _("Public sector")
    DISTRIBUTOR = "distributor", _("Distributor")
    OTHER = "other", _("Other")


class Customer(models.Model):
    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="customers")
    account_number = models.CharField(_("account number"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    group = models.ForeignKey(
        CustomerGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("group"),
    )
    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, validators=[validators.validate_siren], db_index=True
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validators.validate_siret])
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, validators=[validators.validate_vat])
    naf_code = models.CharField(_("NAF code"), max_length=6, blank=True, validators=[validators.validate_naf])
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, default=Category.SME)
    sales_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_customers",
        verbose_name=_("sales rep"),
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collected_customers",
        verbose_name=_("collector"),
    )
    region = models.CharField(_("region"), max_length=64, blank=True, db_index=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    terms_days = models.PositiveIntegerField(_("payment terms (days)"), null=True, blank=True)
    terms_end_of_month = models.BooleanField(_("end of month"), default=False)
    language = models.CharField(
        _("language"), max_length=8, default="fr", choices=[("fr", "Français"), ("en", "English")]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    is_strategic = models.BooleanField(_("strategic"), default=False)
    is_blocked = models.BooleanField(_("blocked"), default=False)
    blocked_reason = models.CharField(_("blocking reason"), max_length=200, blank=True)
    created_on = models.DateField(_("customer since"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "account_number"], name="customer_account_unique_per_entity")
        ]
        indexes = [models.Index(fields=["entity", "name"])]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.name} ({self.account_number})"

    def payment_terms(self) -> PaymentTerms:
        days = self.terms_days if self.terms_days is not None else self.entity.default_terms_days
        return PaymentTerms(days=days, end_of_month=self.terms_end_of_month)


class BlockReason(models.TextChoices):
    """Why a customer is blocked; the reason decides who may lift the block (``BLOCK_LIFT_ACTIONS``)."""

    DUNNING = "dunning", _("Dunning step")
    INSOLVENCY = "insolvency", _("Insolvency proceeding")
    COMMITTEE = "committee", _("Unpaid committee decision")
    MANUAL = "manual", _("Manual")


class CustomerBlock(models.Model):
    """One block of a customer, from its cause to its lift: the history behind ``Customer.is_blocked``.

    A customer is blocked while at least one of its blocks is active (not lifted); at most one active
    block per reason. ``lift_below`` (dunning blocks): lifted automatically once the customer's overdue
    amount falls below it, or to nothing."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="blocks")
    reason = models.CharField(_("reason"), max_length=16, choices=BlockReason.choices)
    detail = models.CharField(_("detail"), max_length=200)
    source = models.CharField(_("source"), max_length=80, blank=True)
    lift_below = money_field(_("lifted when the overdue amount falls below"), null=True, blank=True)
    blocked_on = models.DateField(_("blocked on"))
    blocked_at = models.DateTimeField(_("blocked at"), auto_now_add=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    blocked_by_label = models.CharField(_("blocked by"), max_length=150, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_by_label = models.CharField(_("lifted by"), max_length=150, blank=True)
    lift_reason = models.TextField(_("why lifted"), blank=True)
    lifted_automatically = models.BooleanField(_("lifted automatically"), default=False)

    class Meta:
        ordering = ["-blocked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason"],
                condition=Q(lifted_at__isnull=True),
                name="customer_block_one_active_per_reason",
            )
        ]
        indexes = [models.Index(fields=["reason", "lifted_at"])]
        verbose_name = _("customer block")
        verbose_name_plural = _("customer blocks")

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.detail}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class CustomerBankAccount(models.Model):
    """An IBAN known to be the customer's: identifies the payer of a bank line."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bank_accounts")
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validators.validate_iban], db_index=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    learned = models.BooleanField(_("learned from a confirmed payment"), default=False)
    checksum_ok = models.BooleanField(
        _("checksum valid"),
        default=True,
        help_text=_("Imported IBANs failing the ISO 13616 check are kept to recognise payers, but flagged."),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "iban"], name="customer_iban_unique")]
        verbose_name = _("customer bank account")
        verbose_name_plural = _("customer bank accounts")

    def __str__(self) -> str:
        return self.iban


class Contact(models.Model):
    class Role(models.TextChoices):
        ACCOUNTS_PAYABLE = "accounts_payable", _("Accounts payable")
        DUNNING = "dunning", _("Dunning contact")
        PURCHASING = "purchasing", _("Purchasing")
        MANAGEMENT = "management", _("Management")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.ACCOUNTS_PAYABLE)
    is_dunning_contact = models.BooleanField(_("receives dunning"), default=False)

    class Meta:
        ordering = ["-is_dunning_contact", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ItemType(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    ADJUSTMENT = "adjustment", _("Adjustment")


class Item(models.Model):
    """An open-item ledger line. ``amount`` is signed: debits (what the customer owes) are
    positive, credits (payments, credit notes) negative. ``open_amount`` and ``settled_on``
    are derived from allocations by ``ledger.services.items_refresh_open`` only."""

    # no separate FK indexes: the unique (entity, type, number) and (customer, settled_on) indexes
    # lead with these columns, and every index costs time on million-row imports
    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="items", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="items", db_index=False)
    type = models.CharField(_("type"), max_length=16, choices=ItemType.choices)
    number = models.CharField(_("number"), max_length=60)
    document_date = models.DateField(_("document date"))
    due_date = models.DateField(_("due date"))
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount_functional = money_field(_("amount in functional currency"))
    fx_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, default=Decimal(1))
    open_amount = money_field(_("open amount"))
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    source_file = models.CharField(_("source file"), max_length=200, blank=True)
    source_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    # A FEC receipt or adjustment is identified by its écriture ("<fiscal year>|<journal>|<EcritureNum>[|rank]"):
    # its number (PieceRef) may be a bank reference shared by many. Empty: the item is its number.
    entry = models.CharField(_("accounting entry"), max_length=80, blank=True, default="")
    is_opening = models.BooleanField(_("opening balance"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ItemQuerySet.as_manager()  # open(), overdue(as_of)…: the reading rules, in ledger.queries

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "type", "number"], condition=Q(entry=""), name="item_unique_number"
            ),
            models.UniqueConstraint(fields=["entity", "entry"], condition=~Q(entry=""), name="item_unique_entry"),
        ]
        indexes = [
            models.Index(fields=["customer", "settled_on"]),
            models.Index(fields=["entity", "document_date"]),
            models.Index(fields=["settled_on", "document_date"]),
        ]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.number}"

    @property
    def is_debit(self) -> bool:
        return self.amount > 0


class FecPeriod(models.Model):
    """The dates a FEC imported for an entity covers: tells whether the year before an opening
    entry is known, so that its carried-forward balances are linked to that year's items."""

    entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="fec_periods")
    first_date = models.DateField(_("first entry date"))
    last_date = models.DateField(_("last date"))
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "first_date"], name="fec_period_unique_start")]
        verbose_name = _("FEC period")
        verbose_name_plural = _("FEC periods")

    def __str__(self) -> str:
        return f"{self.first_date} – {self.last_date}"


class Allocation(models.Model):
    """Lettrage: a credit item pays (part of) a debit item, counted from ``date``."""

    debit = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="allocations_as_debit", db_index=False)
    credit = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="allocations_as_credit")
    amount = money_field(_("amount"))
    date = models.DateField(_("allocation date"))
    letter = models.CharField(_("letter code"), max_length=10, blank=True)
    source = models.CharField(_("source"), max_length=16, default="import")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["debit", "credit"], name="allocation_unique_pair"),
        ]
        indexes = [models.Index(fields=["date"])]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.credit.number} → {self.debit.number}: {self.amount}"


class LedgerChange(models.Model):
    """A mark every write service of the ledger leaves, in its transaction and once more after it
    commits (``ledger.services.changes.ledger_changed``): the highest id is the ledger's version,
    under which computed figures are kept (``ledger.caching``). Only the latest rows are kept."""

    id = models.BigAutoField(primary_key=True)
    what = models.CharField(_("what changed"), max_length=40)
    at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger change")
        verbose_name_plural = _("ledger changes")

    def __str__(self) -> str:
        return f"{self.pk} {self.what}"


class OpenOrder(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DELIVERED = "delivered", _("Delivered, not invoiced")
        INVOICED = "invoiced", _("Invoiced")
        CANCELLED = "cancelled", _("Cancelled")

    entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="open_orders")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="open_orders")
    number = models.CharField(_("order number"), max_length=60)
    order_date = models.DateField(_("order date"), null=True, blank=True)
    expected_ship_date = models.DateField(_("expected ship date"), null=True, blank=True)
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount_functional = money_field(_("amount in functional currency"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    source_file = models.CharField(max_length=200, blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "number"], name="open_order_unique_number")]
        verbose_name = _("open order")
        verbose_name_plural = _("open orders")

    def __str__(self) -> str:
        return self.number


class ImportMapping(models.Model):
    """A saved column mapping for generic CSV/XLSX imports."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        ITEMS = "items", _("Items (invoices, credit notes)")
        PAYMENTS = "payments", _("Payments")
        ALLOCATIONS = "allocations", _("Allocations")
        OPEN_ORDERS = "open_orders", _("Open orders")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    columns = models.JSONField(_("columns"), default=dict, help_text=_("field → column header in the file"))
    options = models.JSONField(_("options"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")

    def __str__(self) -> str:
        return self.name
