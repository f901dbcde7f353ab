"""Query parameters shared by the API's list and as-of operations: counts non-negative and capped,
dates within the same bounds as the pages (``encours.web.params``). A value out of bounds is
answered 422 with its field in ``loc``, like every other malformed request, never a 500."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from encours.web.params import EARLIEST_DATE, LATEST_DATE

MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"rows per page, 1 to {MAX_LIMIT}")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="rows to skip")]
BoundedDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
