"""Attachments: stored through Django storage, size and type limited."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from encours.core.errors import ValidationFailed
from encours.disputes.attachments import attachment_add
from tests.disputes.conftest import open_dispute

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def dispute(collector, customer, invoices, reasons):
    return open_dispute(collector, customer, reasons["quality"], [(invoices[0], None)])


def test_pdf_is_stored_and_listed_on_the_timeline(dispute, collector):
    attachment = attachment_add(dispute=dispute, user=collector, upload=SimpleUploadedFile("bon livraison.pdf", PDF))
    assert default_storage.exists(attachment.file.name)
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(PDF))
    assert dispute.events.filter(kind="attachment", body="bon livraison.pdf").exists()


def test_executable_type_is_refused(dispute, collector):
    with pytest.raises(ValidationFailed, match=r"virus.exe: file type .exe not accepted"):
        attachment_add(dispute=dispute, user=collector, upload=SimpleUploadedFile("virus.exe", b"MZ\x90\x00"))


def test_renamed_file_whose_content_is_not_a_pdf_is_refused(dispute, collector):
    with pytest.raises(ValidationFailed, match=r"not a \.pdf file"):
        attachment_add(dispute=dispute, user=collector, upload=SimpleUploadedFile("facture.pdf", b"MZ\x90\x00 hello"))


def test_file_over_the_size_limit_is_refused_and_nothing_is_stored(dispute, collector, settings):
    settings.DISPUTES_ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024))
    with pytest.raises(ValidationFailed, match="exceeds the 1 MB limit"):
        attachment_add(dispute=dispute, user=collector, upload=big)
    assert dispute.attachments.count() == 0
