from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CREDIT_MANAGER = "credit_manager", _("Credit manager")
    COLLECTOR = "collector", _("Collector")
    SALES_REP = "sales_rep", _("Sales representative")
    REGIONAL_DIRECTOR = "regional_director", _("Regional director")
    AUDITOR = "auditor", _("Auditor (read-only)")
    DEPARTMENT = "department", _("Department user")


class Department(models.TextChoices):
    FINANCE = "finance", _("Finance / credit")
    SALES = "sales", _("Sales")
    LOGISTICS = "logistics", _("Logistics")
    BILLING = "billing", _("Billing")
    QUALITY = "quality", _("Quality")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.COLLECTOR)
    department = models.CharField(
        _("department"), max_length=32, choices=Department.choices, default=Department.FINANCE
    )
    region = models.CharField(_("region"), max_length=64, blank=True)
    entities = models.ManyToManyField(
        "ledger.LegalEntity", blank=True, related_name="users", verbose_name=_("legal entities")
    )
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("manager"),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, default="fr", choices=[("fr", "Français"), ("en", "English")]
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def sees_all_entities(self) -> bool:
        return self.is_admin


class ApiToken(models.Model):
    """A per-user API token; only its SHA-256 is stored, the clear value is shown once.

    It acts as its user (same roles and scope), read-only if its scope says so, until it expires or is revoked."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="api")
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.READ_WRITE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"
