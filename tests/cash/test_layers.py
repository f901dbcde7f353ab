"""Writes only in services (issue 18): the cash pages parse the request and call a service, which checks
the actor's right and scope, runs in a transaction and writes the audit entry. Read from the source, so
that a view saving a form or writing an audit row itself fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import encours.cash

CASH = Path(encours.cash.__file__).parent
WRITES = {"save", "create", "bulk_create", "update", "delete", "get_or_create", "update_or_create", "bulk_update"}
VIEW_MODULES = ("views.py", "panels.py")


def writes_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
        if isinstance(node, ast.ImportFrom) and node.module == "encours.audit.services":
            found.append(f"{path.name}:{node.lineno} imports {node.module}")
        if isinstance(node, ast.Name) and node.id == "audit_record":
            found.append(f"{path.name}:{node.lineno} audit_record")
    return found


def test_cash_views_write_nothing_themselves():
    assert all((CASH / name).exists() for name in VIEW_MODULES)
    assert [write for name in VIEW_MODULES for write in writes_in(CASH / name)] == []


def test_the_detector_sees_a_view_that_saves_and_audits(tmp_path):
    view = tmp_path / "views.py"
    view.write_text(
        "from encours.audit.services import audit_record\n"
        "def accounts(request, form):\n    account = form.save()\n    audit_record(actor=request.user, obj=account)\n"
    )
    assert writes_in(view) == [
        "views.py:1 imports encours.audit.services",
        "views.py:3 .save()",
        "views.py:4 audit_record",
    ]
