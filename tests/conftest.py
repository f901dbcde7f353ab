"""Shared fixtures: the personas of every scoping test, a real SMTP sink, strict CI."""

from __future__ import annotations

import os
import shutil
import socket
from datetime import date

import pytest

# Django-dependent imports stay inside fixtures so that tests/core runs without Django.

STRICT = os.environ.get("CI_STRICT") == "1"
SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared")
SAMPLE = os.path.normpath(os.path.join(SHARED, "data", "sample-portfolio"))
_skipped: list[str] = []


def pytest_configure(config):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop lives in the test thread
    _take_turns_with_other_whole_suites(config)


def _take_turns_with_other_whole_suites(config) -> None:
    """Whole-suite runs on one machine take turns (a file lock, held until this process ends).

    Two whole suites at once on 2 cores each take four times as long, and the timing-sensitive tests
    (concurrent runs, live server) flake. A targeted run (paths given) never waits; CI runs one suite.
    """
    if hasattr(config, "workerinput") or config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    import fcntl
    import tempfile

    handle = open(os.path.join(tempfile.gettempdir(), "encours-whole-suite.lock"), "w")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another whole-suite run is going on on this machine: waiting for it to end…", flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    config._whole_suite_lock = handle  # released when the process exits


def pytest_runtest_logreport(report):
    if STRICT and report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if STRICT and _skipped and not hasattr(session.config, "workerinput"):
        print(f"\nCI_STRICT=1: {len(_skipped)} test(s) were skipped, which strict mode forbids:")
        for nodeid in _skipped[:30]:
            print(f"  {nodeid}")
        session.exitstatus = 1


def _shared_absent_file(controller_pid: int) -> str:
    import tempfile

    return os.path.join(tempfile.gettempdir(), f"encours-shared-absent-{controller_pid}.json")


def pytest_collection_modifyitems(config, items):
    """Deselect the tests marked ``shared_data(path)`` whose file is absent from ../shared.

    Files written by others (corpora of other projects' test files) are not committed here: the workplace keeps
    them in the steering repository's shared/. Where shared/ lacks one, its tests cannot run; they are
    deselected (neither passed nor skipped) and named in the run's summary, so the gap is said, not hidden.
    """
    import json

    absent: dict[str, int] = {}
    kept = []
    dropped = []
    for item in items:
        missing = [
            mark.args[0]
            for mark in item.iter_markers("shared_data")
            if not os.path.isfile(os.path.join(SHARED, mark.args[0]))
        ]
        for path in missing:
            absent[path] = absent.get(path, 0) + 1
        (dropped if missing else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    config._shared_absent = absent
    if hasattr(config, "workerinput"):  # tell the xdist controller (this worker's parent) for its summary
        with open(_shared_absent_file(os.getppid()), "w") as handle:
            json.dump(absent, handle)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    import json

    absent = getattr(config, "_shared_absent", None)
    path = _shared_absent_file(os.getpid())
    if absent is None and os.path.exists(path):
        with open(path) as handle:
            absent = json.load(handle)
        os.remove(path)
    if not absent:
        return
    tests = sum(absent.values())
    terminalreporter.write_line(
        f"shared data: {len(absent)} file(s) absent from {os.path.normpath(SHARED)}; "
        f"their {tests} test(s) were not collected (sources in tests/corpus/*/README.md):"
    )
    for name in sorted(absent):
        terminalreporter.write_line(f"  {name}")


def need(condition: bool, reason: str) -> None:
    """Skip when a machine part is missing, but fail under CI_STRICT=1."""
    if condition:
        return
    if STRICT:
        pytest.fail(f"CI_STRICT=1 and {reason}")
    pytest.skip(reason)


def sample_path(name: str) -> str:
    path = os.path.join(SAMPLE, name)
    need(os.path.exists(path), f"sample file {path} missing (../shared beside the clone)")
    return path


@pytest.fixture(autouse=True)
def _settings_for_tests(request, tmp_path):
    if not request.config.pluginmanager.hasplugin("django"):
        return  # tests/core without Django
    settings = request.getfixturevalue("settings")
    settings.JOBS_MODE = "sync"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.AXES_ENABLED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _contracts_restored(request):
    """Every cross-app contract slot as it was before the test (tests swap providers)."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    from encours import contracts

    with contracts.restored():
        yield


@pytest.fixture
def as_of() -> date:
    return date(2026, 10, 31)


@pytest.fixture
def entity(db):
    from tests.factories import EntityFactory

    return EntityFactory(name="Durand Matériaux SAS", siren="732829320")


@pytest.fixture
def credit_manager(entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="cm", role=Role.CREDIT_MANAGER, entities=[entity])


@pytest.fixture
def collector(entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="collector", role=Role.COLLECTOR, entities=[entity])


@pytest.fixture
def sales_rep(entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="rep", role=Role.SALES_REP, entities=[entity])


@pytest.fixture
def other_rep(entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="rep2", role=Role.SALES_REP, entities=[entity])


@pytest.fixture
def regional_director(entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="director", role=Role.REGIONAL_DIRECTOR, region="Bretagne", entities=[entity])


@pytest.fixture
def auditor(entity):
    from encours.accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="auditor", role=Role.AUDITOR, entities=[entity])


@pytest.fixture
def outsider(db):
    """A credit manager of another legal entity."""
    from encours.accounts.models import Role
    from tests.factories import EntityFactory, UserFactory

    return UserFactory(username="outsider", role=Role.CREDIT_MANAGER, entities=[EntityFactory(name="Autre SA")])


@pytest.fixture
def rep_customer(entity, sales_rep):
    from tests.factories import CustomerFactory

    return CustomerFactory(entity=entity, sales_rep=sales_rep, name="Boulangerie Martin", region="Bretagne")


@pytest.fixture
def other_customer(entity, other_rep):
    from tests.factories import CustomerFactory

    return CustomerFactory(entity=entity, sales_rep=other_rep, name="Garage Dupont", region="Occitanie")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server on localhost (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_sink(settings):
    sink = SmtpSink()
    sink.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.controller.stop()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
