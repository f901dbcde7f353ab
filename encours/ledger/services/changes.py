"""The ledger's version: every write service of the ledger marks its change, so that figures kept
in the cache (``ledger.caching``) are recomputed on the next view whether or not the write was
audited.

A mark is a row of ``LedgerChange``; the version is its highest id, one read of the primary-key
index. The row written inside the transaction moves the version for that transaction and, in
tests, at once. Ids are handed out when rows are inserted, not when transactions commit: a long
import that inserted id 10 could commit after a short allocation that inserted id 11 and was
already seen, leaving the version at 11. So a second mark is written once the transaction has
committed, with an id above every one then visible: after any commit the version moves. Only the
latest ``KEEP_ROWS`` marks are kept. A write that bypasses the services (a shell, raw SQL) is
caught only by the cache's time limit.
"""

from __future__ import annotations

from django.db import transaction

from encours.ledger.models import LedgerChange

KEEP_ROWS = 1000


def ledger_changed(what: str) -> None:
    """Mark a change of the ledger (items, allocations, customers, blocks, open orders)."""
    LedgerChange.objects.create(what=what)
    transaction.on_commit(lambda: _committed(what))


def _committed(what: str) -> None:
    mark = LedgerChange.objects.create(what=f"{what} (committed)"[:40])
    LedgerChange.objects.filter(id__lte=mark.pk - KEEP_ROWS).delete()
