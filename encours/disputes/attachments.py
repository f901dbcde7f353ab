"""Attachments of a dispute, stored through Django's default storage, limited in size and type."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from encours.audit.services import audit_record
from encours.core.errors import ValidationFailed
from encours.disputes.models import Attachment, Dispute, Event
from encours.disputes.services import event_add, require_on_dispute

# extension -> (content type, leading bytes the file must start with, or None when unchecked)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
    ".eml": ("message/rfc822", None),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}


def max_bytes() -> int:
    return int(getattr(settings, "DISPUTES_ATTACHMENT_MAX_MB", 10)) * 1024 * 1024


def _check(upload: UploadedFile) -> str:
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise ValidationFailed(f"{name}: file type {extension or '(none)'} not accepted; allowed: {allowed}")
    if upload.size is None or upload.size == 0:
        raise ValidationFailed(f"{name}: the file is empty")
    if upload.size > max_bytes():
        raise ValidationFailed(
            f"{name}: {upload.size / 1024 / 1024:.1f} MB exceeds the {max_bytes() // 1024 // 1024} MB limit"
        )
    content_type, signatures = ALLOWED[extension]
    if signatures is not None:
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(signature) for signature in signatures):
            raise ValidationFailed(f"{name}: the content is not a {extension} file")
    return content_type


@transaction.atomic
def attachment_add(*, dispute: Dispute, user: Any, upload: UploadedFile) -> Attachment:
    require_on_dispute(user, "disputes.comment", dispute)
    content_type = _check(upload)
    name = PurePath(upload.name or "file").name[:200]
    attachment = Attachment(
        dispute=dispute, name=name, size=upload.size or 0, content_type=content_type, uploaded_by=user
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    event_add(dispute=dispute, kind=Event.Kind.ATTACHMENT, user=user, body=name)
    audit_record(
        actor=user,
        action="dispute.attachment",
        obj=dispute,
        customer_id=dispute.customer_id,
        entity_id=dispute.entity_id,
        after={"name": name, "size": attachment.size, "type": content_type},
    )
    return attachment
