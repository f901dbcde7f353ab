"""Saved column mappings for generic imports."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from encours.accounts.permissions import require
from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.core.formats.tabular import FIELDS
from encours.ledger.models import ImportMapping


@transaction.atomic
def mapping_save(*, name: str, kind: str, columns: dict[str, str], options: dict[str, Any], user: Any) -> ImportMapping:
    require(user, "ledger.import")
    if kind not in FIELDS:
        raise ValidationFailed(f"unknown kind {kind!r}")
    unknown = sorted(set(columns) - set(FIELDS[kind]))
    if unknown:
        raise ValidationFailed(f"unknown field(s) for {kind}: {', '.join(unknown)} (known: {', '.join(FIELDS[kind])})")
    mapping = ImportMapping.objects.filter(name=name).first()
    before = {"kind": mapping.kind, "columns": mapping.columns, "options": mapping.options} if mapping else None
    mapping, _ = ImportMapping.objects.update_or_create(
        name=name, defaults={"kind": kind, "columns": columns, "options": options}
    )
    audit_record(
        actor=user,
        action="mapping.save",
        obj=mapping,
        before=before,
        after={"kind": kind, "columns": columns, "options": options},
    )
    return mapping


@transaction.atomic
def mapping_delete(*, mapping: ImportMapping, user: Any) -> None:
    require(user, "ledger.import")
    audit_record(
        actor=user,
        action="mapping.delete",
        obj=mapping,
        before={"kind": mapping.kind, "columns": mapping.columns, "options": mapping.options},
    )
    mapping.delete()
