"""The security tests reuse the fixtures of the apps' own tests (a bank line, insured buyers, a
factoring bordereau) and put hostile values into them."""

from tests.cash.conftest import bank_account  # noqa: F401
from tests.cash.test_views import customer, invoices, line  # noqa: F401
from tests.insurance.conftest import book, imported  # noqa: F401
from tests.insurance.test_factoring import factored  # noqa: F401
