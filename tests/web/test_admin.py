"""The Django admin shows every model of encours, renders each page without N+1 queries, and
keeps the facts the services write read-only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core import checks
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

# session, user, counts, the page, filter choices and the date hierarchy: what a changelist costs
MAX_CHANGELIST_QUERIES = 14

# written by services with an audit entry: shown, never added, changed or deleted in the admin
SERVICE_WRITTEN_FACTS = (
    "audit.AuditEntry",
    "jobs.Job",
    "ledger.Allocation",
    "risk.CreditLimit",
    "risk.GradeSnapshot",
    "risk.HeldOrder",
    "insurance.Claim",
    "insurance.Bordereau",
    "collections.DunningRun",
    "collections.DunningMessage",
    "collections.ExecutedStep",
    "collections.DunningText",
    "disputes.Event",
    "cash.BankLine",
    "cash.Application",
    "forecast.PaymentModel",
    "forecast.ForecastSnapshot",
    "ledger.CustomerBlock",
    "ledger.FecPeriod",
    "ledger.LedgerChange",
    "disputes.ProvisionEntry",
    "sales.RepNotification",
    "sales.ReleaseRequest",
    "sales.FieldNote",
)
CONFIGURATION = (
    "ledger.ImportMapping",
    "risk.RiskImportMapping",
    "insurance.InsurancePolicy",
    "collections.DunningScenario",
    "collections.PenaltyRate",
    "disputes.ReasonCode",
    "cash.MatchingSettings",
    "cash.BankAccount",
)


def encours_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if model.__module__.startswith("encours.")]


def registered_encours_models() -> list[type[models.Model]]:
    return [model for model in encours_models() if admin.site.is_registered(model)]


def models_shown_inline() -> set[type[models.Model]]:
    return {
        inline.model
        for model in apps.get_models()
        if admin.site.is_registered(model)
        for inline in admin.site.get_model_admin(model).inlines
    }


def admin_url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_encours_model_is_registered_or_shown_inline():
    inline = models_shown_inline()
    missing = [m._meta.label for m in encours_models() if not admin.site.is_registered(m) and m not in inline]
    assert missing == []


def test_the_admin_configuration_passes_django_checks():
    assert checks.run_checks(tags=[checks.Tags.admin]) == []


@pytest.mark.django_db
@pytest.mark.parametrize("label", SERVICE_WRITTEN_FACTS)
def test_facts_written_by_services_are_read_only(label, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site.get_model_admin(apps.get_model(label))
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.django_db
@pytest.mark.parametrize("label", CONFIGURATION)
def test_configuration_stays_editable(label, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site.get_model_admin(apps.get_model(label))
    assert model_admin.has_add_permission(request) and model_admin.has_change_permission(request)


@pytest.mark.django_db
def test_risk_settings_added_in_the_admin_are_a_new_version_through_the_service(admin_client):
    from encours.audit.models import AuditEntry
    from encours.risk.models import RiskSettings
    from encours.risk.selectors import current_settings

    first = RiskSettings.objects.create(hold_overdue_days=30)
    url = admin_url(RiskSettings, "add")
    form = admin_client.get(url).context["adminform"].form
    assert form.initial["hold_overdue_days"] == 30  # the add form starts from the settings in force

    values = {name: form.initial[name] for name in form.fields}
    response = admin_client.post(url, {**values, "hold_overdue_days": 45})

    assert response.status_code == 302
    assert current_settings().hold_overdue_days == 45
    first.refresh_from_db()
    assert first.hold_overdue_days == 30
    assert AuditEntry.objects.filter(action="risk.settings.save").count() == 1


@pytest.mark.django_db
def test_risk_settings_the_core_refuses_are_a_form_error_not_a_crash(admin_client):
    from encours.risk.models import RiskSettings

    url = admin_url(RiskSettings, "add")
    form = admin_client.get(url).context["adminform"].form
    values = {name: form.initial[name] for name in form.fields}
    response = admin_client.post(url, {**values, "hold_overdue_days": 90, "reject_overdue_days": 30})

    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not RiskSettings.objects.exists()


def placeholder_value(field: models.Field, index: int) -> object:
    if field.choices:
        return field.choices[index % len(field.choices)][0]
    if isinstance(field, models.EmailField):
        return f"admin{index}@encours.example"
    if isinstance(field, models.FileField):
        return f"admin-test/{index}.txt"
    if isinstance(field, models.CharField | models.TextField):
        return f"{field.name}-{index}"[: field.max_length]
    if isinstance(field, models.DecimalField):
        return Decimal(1)
    if isinstance(field, models.IntegerField | models.FloatField):
        return index + 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return date(2026, 10, 1) + timedelta(days=index)
    raise AssertionError(f"no placeholder for {field!r}")


def add_placeholder_rows(model: type[models.Model], count: int = 2) -> None:
    """Rows with each required field filled (a foreign key takes an existing row, a one-to-one an
    unused one): the demo leaves some tables empty and an empty changelist proves little."""
    for index in range(count):
        values: dict[str, object] = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.null or field.has_default() or getattr(field, "auto_now_add", False):
                continue
            if field.is_relation:
                related = field.related_model._default_manager.order_by("pk")
                if not related.exists():
                    add_placeholder_rows(field.related_model)
                if field.one_to_one:
                    values[field.name] = related.exclude(pk__in=model._default_manager.values(field.attname)).first()
                else:
                    values[field.name] = related[index % related.count()]
            else:
                values[field.name] = placeholder_value(field, index)
        model._default_manager.create(**values)


@pytest.fixture
def demo_superuser(django_user_model):
    """A superuser on a small demo portfolio where every registered table has a few rows."""
    from encours.ledger.services.demo import demo_load
    from encours.synthetic.demo import generate_portfolio

    demo_load(portfolio=generate_portfolio(customers=30, invoices=300, seed=3, as_of=date(2026, 10, 31)))
    for model in registered_encours_models():
        add_placeholder_rows(model, count=max(0, 2 - model._default_manager.count()))
    return django_user_model.objects.create_superuser("root", "root@encours.example", "x")


def queries_for(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    return response.status_code, len(context.captured_queries)


@pytest.mark.slow
@pytest.mark.django_db
def test_every_admin_page_renders_and_a_changelist_costs_the_same_for_one_row_or_many(client, demo_superuser):
    client.force_login(demo_superuser)
    request = RequestFactory().get("/admin/")
    request.user = demo_superuser
    problems: dict[str, str] = {}
    for model in registered_encours_models():
        label, model_admin = model._meta.label, admin.site.get_model_admin(model)
        first = model._default_manager.order_by("pk").first()
        rows = model._default_manager.count()
        changelist = admin_url(model, "changelist")

        status, many = queries_for(client, changelist)
        _, one = queries_for(client, f"{changelist}?{model._meta.pk.attname}__exact={first.pk}")
        if status != 200:
            problems[label] = f"changelist answered {status}"
        elif rows < 2:
            problems[label] = "fewer than two rows to compare"
        elif many != one or many > MAX_CHANGELIST_QUERIES:
            problems[label] = f"changelist: {many} queries for {rows} rows, {one} for one row"

        pages = [admin_url(model, "change", first.pk)]
        if model_admin.has_add_permission(request):
            pages.append(admin_url(model, "add"))
        for url in pages:
            status = client.get(url).status_code
            if status != 200:
                problems[label] = f"{url} answered {status}"
    assert problems == {}
