from django.db.models import QuerySet

from encours.audit.models import AuditEntry


def audit_for_customer(*, customer_id: int, limit: int = 200) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(customer_id=customer_id).select_related("actor")[:limit]
