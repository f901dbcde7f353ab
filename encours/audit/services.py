"""The one way to write the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from encours.audit.actors import Actor, actor_label
from encours.audit.models import AuditEntry


def _plain(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return json.loads(json.dumps(dict(values), cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    customer_id: int | None = None,
    entity_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(**_entry_fields(locals()))


def audit_record_many(entries: Iterable[dict[str, Any]]) -> int:
    """Bulk version for imports: each dict takes the keyword arguments of audit_record."""
    rows = [AuditEntry(**_entry_fields(entry)) for entry in entries]
    AuditEntry.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _entry_fields(args: Mapping[str, Any]) -> dict[str, Any]:
    obj = args.get("obj")
    actor = args.get("actor")
    return {
        "actor": actor if actor is not None and not isinstance(actor, str) else None,
        "actor_label": actor_label(actor),
        "action": args["action"],
        "object_type": args.get("object_type") or (obj._meta.label_lower if obj is not None else ""),
        "object_id": str(args.get("object_id") or (obj.pk if obj is not None else "")),
        "object_repr": (args.get("object_repr") or (str(obj) if obj is not None else ""))[:200],
        "customer_id": args.get("customer_id"),
        "entity_id": args.get("entity_id"),
        "before": _plain(args.get("before")),
        "after": _plain(args.get("after")),
        "note": args.get("note") or "",
    }


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of some fields of an object, for the before/after of an entry."""
    return {name: getattr(obj, name) for name in fields}
