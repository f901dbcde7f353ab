"""Collections: dunning scenarios and their runs, what was sent, calls, promises, penalties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from encours.core.dunning.scenarios import Channel as CoreChannel
from encours.core.dunning.scenarios import StepAction as CoreAction
from encours.ledger.models import Contact, Customer, Item, LegalEntity, money_field


class Channel(models.TextChoices):
    EMAIL = CoreChannel.EMAIL.value, _("Email")
    LETTER = CoreChannel.LETTER.value, _("PDF letter")
    CALL = CoreChannel.CALL.value, _("Call task")


class Action(models.TextChoices):
    NONE = CoreAction.NONE.value, _("None")
    CREDIT_BLOCK = CoreAction.CREDIT_BLOCK.value, _("Credit block")
    LITIGATION = CoreAction.LITIGATION.value, _("Hand-over to litigation")
    COLLECTION_AGENCY = CoreAction.COLLECTION_AGENCY.value, _("Hand-over to a collection agency")
    PENALTY_CLAIM = CoreAction.PENALTY_CLAIM.value, _("Penalty claim")


class DunningScenario(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    categories = models.JSONField(_("customer categories"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dunning scenario")
        verbose_name_plural = _("dunning scenarios")

    def __str__(self) -> str:
        return self.name


class DunningStep(models.Model):
    scenario = models.ForeignKey(DunningScenario, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40)
    offset_days = models.IntegerField(_("days from due date"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    template_code = models.CharField(_("template"), max_length=80)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices, default=Action.NONE)
    min_amount = money_field(_("minimum amount"), default=0)

    class Meta:
        ordering = ["scenario", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "code"], name="dunning_step_code_unique"),
            models.UniqueConstraint(fields=["scenario", "order"], name="dunning_step_order_unique"),
        ]
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")

    def __str__(self) -> str:
        sign = "+" if self.offset_days >= 0 else ""
        return f"{self.code} ({sign}{self.offset_days} d)"


class CustomerDunning(models.Model):
    """A customer's own dunning settings, beating its category's scenario."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="dunning")
    scenario = models.ForeignKey(
        DunningScenario, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("scenario")
    )
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    preferred_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("contact")
    )
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=[("fr", "Français"), ("en", "English")]
    )
    timing_shift_days = models.IntegerField(_("timing shift (days)"), default=0)
    preferred_channel = models.CharField(_("preferred channel"), max_length=16, blank=True, choices=Channel.choices)
    snoozed_until = models.DateField(_("snoozed in the worklist until"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer dunning settings")
        verbose_name_plural = _("customer dunning settings")

    def __str__(self) -> str:
        return str(self.customer)


class DunningRun(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        EXECUTING = "executing", _("Executing")
        DONE = "done", _("Done")
        DONE_WITH_FAILURES = "done_with_failures", pgettext_lazy("dunning run", "Completed with failures")
        FAILED = "failed", _("Failed")

    as_of = models.DateField(_("as of"))
    entity = models.ForeignKey(LegalEntity, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("entity"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PLANNED)
    excluded_customer_ids = models.JSONField(default=list, blank=True)
    excluded_item_ids = models.JSONField(default=list, blank=True)
    planned_messages = models.PositiveIntegerField(default=0)
    sent_messages = models.PositiveIntegerField(default=0)
    skipped_messages = models.PositiveIntegerField(default=0)
    failed_messages = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    job_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dunning run")
        verbose_name_plural = _("dunning runs")

    def __str__(self) -> str:
        return f"run {self.pk} as of {self.as_of}"


class DunningMessage(models.Model):
    """One message to a customer for one step (or a statement sent on demand)."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        OBSOLETE = "obsolete", _("No longer due")

    class Failure(models.TextChoices):
        SMTP = "smtp", _("Email server error")
        NO_EMAIL = "no_email", _("No email address")
        NO_PHONE = "no_phone", _("No phone number")
        NO_POSTAL_ADDRESS = "no_postal_address", _("No postal address")
        DOCUMENT = "document", _("Document could not be produced")
        OTHER = "other", _("Other error")

    run = models.ForeignKey(DunningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="dunning_messages")
    scenario_code = models.CharField(max_length=40, blank=True)
    step_code = models.CharField(_("step"), max_length=40)
    step_order = models.PositiveIntegerField(default=0)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices, default=Action.NONE)
    language = models.CharField(_("language"), max_length=8, default="fr")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    total = money_field(_("amount"), default=0)
    currency = models.CharField(max_length=3, default="EUR")
    item_ids = models.JSONField(default=list, blank=True)
    eml = models.FileField(_("sent email"), upload_to="collections/eml/%Y/%m", blank=True)
    pdf = models.FileField(_("letter"), upload_to="collections/letters/%Y/%m", blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENDING)
    failure = models.CharField(_("failure reason"), max_length=20, choices=Failure.choices, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    executed_on = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-executed_on", "-pk"]
        indexes = [models.Index(fields=["customer", "executed_on"]), models.Index(fields=["executed_on"])]
        verbose_name = _("dunning message")
        verbose_name_plural = _("dunning messages")

    def __str__(self) -> str:
        return f"{self.step_code} → {self.customer_id} on {self.executed_on}"


class ExecutedStep(models.Model):
    """A step done (or jumped over) for an invoice: the database says a step fires once.

    ``skipped``: a later step was due, this one was jumped over. ``covered``: the step was due
    today but the customer's one message of the run went out at a higher step of another
    invoice, listing this one: it counts as sent and is never sent later.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    scenario_code = models.CharField(max_length=40)
    step_code = models.CharField(max_length=40)
    executed_on = models.DateField()
    skipped = models.BooleanField(default=False)
    covered = models.BooleanField(default=False)
    message = models.ForeignKey(DunningMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="steps")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "scenario_code", "step_code"], name="dunning_step_once_per_item")
        ]
        verbose_name = _("executed dunning step")
        verbose_name_plural = _("executed dunning steps")

    def __str__(self) -> str:
        return f"{self.step_code} on item {self.item_id}"


class CallTask(models.Model):
    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        PROMISE = "promise", _("Promise to pay")
        DISPUTE = "dispute", _("Dispute")
        WRONG_CONTACT = "wrong_contact", _("Wrong contact")
        CALL_BACK = "call_back", _("Call back on a date")
        NO_ANSWER = "no_answer", _("No answer")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="call_tasks")
    message = models.ForeignKey(DunningMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="call_tasks"
    )
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    call_back_on = models.DateField(_("call back on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["customer", "done_on"]), models.Index(fields=["done_on", "due_on"])]
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")

    def __str__(self) -> str:
        return self.title


class Promise(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        KEPT = "kept", _("Kept")
        PARTIALLY_KEPT = "partially_kept", _("Partially kept")
        BROKEN = "broken", _("Broken")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="promises")
    items = models.ManyToManyField(Item, related_name="+", verbose_name=_("invoices"))
    amount = money_field(_("amount"))
    currency = models.CharField(max_length=3, default="EUR")
    promised_date = models.DateField(_("promised date"))
    grace_days = models.PositiveIntegerField(_("grace days"), default=3)
    created_on = models.DateField(_("made on"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    status_on = models.DateField(_("status since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-promised_date", "-pk"]
        indexes = [models.Index(fields=["status", "promised_date"])]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for {self.promised_date}"


class LitigationCase(models.Model):
    """An invoice handed over to litigation or a collection agency."""

    class Kind(models.TextChoices):
        LITIGATION = "litigation", _("Litigation")
        AGENCY = "collection_agency", _("Collection agency")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="litigation_cases")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    opened_on = models.DateField(_("handed over on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    message = models.ForeignKey(DunningMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "kind"], name="litigation_once_per_item")]
        verbose_name = _("litigation case")
        verbose_name_plural = _("litigation cases")

    def __str__(self) -> str:
        return f"{self.kind} item {self.item_id}"


class PenaltyRate(models.Model):
    """Reference rates by half-year: the ECB MRO rate and the French legal interest rate."""

    class Table(models.TextChoices):
        MRO = "mro", _("ECB main refinancing rate")
        LEGAL = "legal", _("Legal interest rate (professional creditors)")

    table = models.CharField(_("table"), max_length=8, choices=Table.choices)
    half_year = models.CharField(_("half-year"), max_length=7, help_text=_("e.g. 2026-H1"))
    rate_pct = models.DecimalField(_("rate (%)"), max_digits=6, decimal_places=3)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["table", "half_year"]
        constraints = [models.UniqueConstraint(fields=["table", "half_year"], name="penalty_rate_unique")]
        verbose_name = _("penalty reference rate")
        verbose_name_plural = _("penalty reference rates")

    def __str__(self) -> str:
        return f"{self.table} {self.half_year}: {self.rate_pct} %"


class PenaltyInvoicing(models.Model):
    """What was already charged as penalties on an invoice (a later claim only adds the new part)."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="+")
    interest_invoiced_until = models.DateField(null=True, blank=True)
    indemnity_invoiced = models.BooleanField(default=False)
    debit_item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("invoiced penalties")
        verbose_name_plural = _("invoiced penalties")

    def __str__(self) -> str:
        return f"penalties of item {self.item_id}"


class Letterhead(models.Model):
    """How an entity signs its reminders and letters."""

    entity = models.OneToOneField(LegalEntity, on_delete=models.CASCADE, related_name="letterhead")
    sender_name = models.CharField(_("sender"), max_length=120, blank=True)
    signatory = models.CharField(_("signatory"), max_length=120, blank=True)
    signatory_title = models.CharField(_("signatory title"), max_length=120, blank=True)
    reply_to = models.EmailField(_("reply-to (when no collector)"), blank=True)
    footer = models.CharField(_("footer"), max_length=300, blank=True)
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#1f4e79")

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterheads")

    def __str__(self) -> str:
        return str(self.entity)


class DunningText(models.Model):
    """One version of the subject and body a dunning step sends, in one language.

    The active text of (scenario, step, language) is its highest version; a scenario-wide
    text (``scenario_code`` empty) serves every scenario with that step code; without any,
    the shipped wording applies (``encours.collections.texts.default_text``). A version is
    never edited: saving or restoring writes a new one, through ``texts.text_save``."""

    scenario_code = models.SlugField(_("scenario"), max_length=40, blank=True)
    step_code = models.SlugField(_("step"), max_length=40)
    language = models.CharField(_("language"), max_length=8, choices=[("fr", "Français"), ("en", "English")])
    version = models.PositiveIntegerField(_("version"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    letter = models.TextField(_("letter text"), blank=True)
    restored_from = models.PositiveIntegerField(_("restored from version"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        ordering = ["scenario_code", "step_code", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario_code", "step_code", "language", "version"], name="dunning_text_version_unique"
            )
        ]
        verbose_name = _("dunning text")
        verbose_name_plural = _("dunning texts")

    def __str__(self) -> str:
        scope = self.scenario_code or "*"
        return f"{scope}/{self.step_code} ({self.language}) v{self.version}"
