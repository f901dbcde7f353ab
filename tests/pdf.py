"""PDF text for assertions, read with pypdf (in the lock): no system program such as pdftotext needed."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The text of every page, laid out as on the page (columns kept on one line), pages joined by form feeds.

    Narrow and ordinary no-break spaces become plain spaces so that a French amount reads ``10 000,00`` whatever
    space the template used between thousands.
    """
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    return "\f".join(pages).replace("\u202f", " ").replace("\u00a0", " ")
