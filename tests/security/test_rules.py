"""The table action → roles: one place in code, the same in the README, every action known."""

from __future__ import annotations

from pathlib import Path

import pytest

from encours.accounts.models import Role
from encours.accounts.permissions import CAPABILITIES, can, require, rules_markdown
from encours.core.errors import PermissionDenied

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_shows_the_rules_of_the_code():
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- roles-table:start -->\n", 1)[1].split("\n<!-- roles-table:end -->", 1)[0]
    assert table == rules_markdown()


def test_auditor_may_read_and_nothing_else(auditor):
    assert [action for action in CAPABILITIES if can(auditor, action)] == ["reports.view"]


def test_unknown_action_is_a_programming_error(credit_manager):
    with pytest.raises(KeyError, match="add it to RULES"):
        can(credit_manager, "ledger.delete_everything")


def test_scope_is_checked_with_the_capability(sales_rep, rep_customer, other_customer):
    require(sales_rep, "disputes.create", customer=rep_customer)
    with pytest.raises(PermissionDenied, match="outside their scope"):
        require(sales_rep, "disputes.create", customer=other_customer)


def test_entity_scope(credit_manager, outsider, entity):
    require(credit_manager, "ledger.import", entity=entity)
    with pytest.raises(PermissionDenied, match="do not belong"):
        require(outsider, "ledger.import", entity=entity)


def test_commands_and_jobs_without_a_user_are_the_operators_tools(rep_customer):
    require(None, "ledger.import", customer=rep_customer)
    require("system", "risk.edit")


def test_an_inactive_user_may_do_nothing(credit_manager):
    credit_manager.is_active = False
    assert not any(can(credit_manager, action) for action in CAPABILITIES)


def test_every_role_is_in_the_table():
    assert {role for roles in CAPABILITIES.values() for role in roles} == set(Role.values) - {Role.ADMIN}
