"""Labels and classes of the risk pages: enum codes shown in the user's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    # grade factors
    "financial": _("Financial scores"),
    "payer": _("Payer behaviour"),
    "external_rating": _("External rating"),
    "legal": _("Legal events"),
    "seniority": _("Seniority"),
    # zones
    "safe": _("safe"),
    "grey": _("grey"),
    "distress": _("distress"),
    "alert": _("alert"),
    "danger": _("danger"),
    # trend
    "improving": _("improving"),
    "stable": _("stable"),
    "deteriorating": _("deteriorating"),
    # legal events
    "safeguard": _("safeguard proceeding"),
    "receivership": _("receivership"),
    "liquidation": _("liquidation"),
    "continuation_plan": _("continuation plan"),
    "proceeding_closed": _("proceeding closed"),
    "tax_social_lien": _("tax or social security lien"),
    "dissolution": _("dissolution"),
    "management_change": _("change of directors"),
    "other": _("other announcement"),
    # ratios
    "equity_ratio": _("Equity ratio"),
    "gearing": _("Gearing"),
    "net_debt_to_ebitda": _("Net debt / EBE"),
    "interest_cover": _("Interest cover"),
    "current_ratio": _("Current ratio"),
    "cash_days_of_revenue": _("Cash in days of revenue"),
    "pge_repayment_years": _("PGE repayment capacity"),
    "pge_cash_cover": _("PGE cash cover"),
    # alerts
    "grade_downgrade": _("grade downgrade"),
    "payer_index_drop": _("payer index drop"),
    "over_limit": _("over limit"),
    "over_insured_cover": _("over insured cover"),
    "limit_expiry": _("limit expiry"),
    "guarantee_expiry": _("guarantee expiry"),
    "legal_event": _("legal event"),
    "first_overdue_key_account": _("first overdue of a key account"),
}
ZONE_CLASSES = {"safe": "ok", "grey": "warn", "distress": "bad", "alert": "warn", "danger": "bad"}


@register.filter
def risk_label(value: Any) -> Any:
    key = getattr(value, "value", value)
    return LABELS.get(str(key), key)


@register.filter
def zone_class(value: Any) -> str:
    return ZONE_CLASSES.get(str(getattr(value, "value", value)), "")


@register.filter
def pct_share(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


@register.filter
def scores(analysis: Any) -> list[tuple[Any, str]]:
    return [(analysis.altman, "Altman Z''"), (analysis.conan_holder, "Conan-Holder")]
