"""Shared fixtures. ``require_tool`` skips locally when a system tool is missing, but fails
when ``OUTREACH_REQUIRE_TOOLS=1`` (as ``.ci/run`` sets), so CI can never skip silently."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"
_TEST_SWITCHES = ("OUTREACH_REQUIRE_TOOLS", "OUTREACH_UPDATE_GOLDEN")  # for the tests, not outreach


def tools_required() -> bool:
    return os.environ.get("OUTREACH_REQUIRE_TOOLS") == "1"


def require_tool(name: str, why: str = "") -> str:
    """Return the path of ``name`` or skip (locally) / fail (CI) with the reason."""
    path = shutil.which(name)
    if path:
        return path
    message = f"system tool {name!r} not installed{': ' + why if why else ''}"
    if tools_required():
        pytest.fail(message + " (OUTREACH_REQUIRE_TOOLS=1)")
    pytest.skip(message)


@pytest.fixture
def data_dir() -> Path:
    return DATA


NOW = "2026-11-23T12:00:00+00:00"
"""What ``outreach.times.now`` says in tests: a Monday, before every --start the tests give."""


def pytest_configure(config: pytest.Config) -> None:
    """Keep time for the fixtures of wider scope too (a module's campaign run is made before
    any per-test fixture): the session starts on ``NOW``, with none of the shell's
    OUTREACH_* variables."""
    for name in list(os.environ):
        if name.startswith("OUTREACH_") and name not in _TEST_SWITCHES:
            del os.environ[name]
    os.environ["OUTREACH_NOW"] = NOW
    if "XDG_CACHE_HOME" not in os.environ or not os.environ["XDG_CACHE_HOME"].startswith(
            tempfile.gettempdir()):  # the parsed-vocabulary cache: never the developer's own
        os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="outreach-test-cache-")


@pytest.fixture(autouse=True)
def _isolated_ledger(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the real user's ledger or config from tests: the ledger and the user
    config folder are per-test temporary folders, and no OUTREACH_* variable of the
    developer's shell (OUTREACH_CONFIG, OUTREACH_CAMPAIGN_TZ, ...) reaches a command."""
    from outreach import config

    for name in list(os.environ):
        if name.startswith("OUTREACH_") and name not in _TEST_SWITCHES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("OUTREACH_LEDGER", str(tmp_path_factory.mktemp("ledger") / "ledger.sqlite"))
    monkeypatch.setenv("OUTREACH_NOW", NOW)  # starts are checked against it: tests keep time
    config_home = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    if not config.user_config_path().is_relative_to(config_home):  # macOS, Windows: no XDG
        user_file = config_home / "outreach" / config.CONFIG_NAME
        monkeypatch.setattr(config, "user_config_path", lambda: user_file)


@pytest.fixture(scope="session")
def dovecot():
    """A real IMAP server (Debian's dovecot) on loopback, one per test session (per xdist
    worker); tests empty its folders with ``reset()`` (``tests/imap_server.py``)."""
    from imap_server import dovecot_server

    binary = require_tool("dovecot", "the real IMAP server for outreach inbox and drafts "
                          "(apt-get install dovecot-imapd)")
    with dovecot_server(binary) as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_tls():
    """The same server with TLS only, a self-signed certificate (``ca_file``) and German
    folder names (``Entwürfe`` is \\Drafts, ``Gesendete Objekte`` is \\Sent)."""
    from imap_server import dovecot_server

    binary = require_tool("dovecot", "the real IMAP server for outreach inbox and drafts "
                          "(apt-get install dovecot-imapd)")
    require_tool("openssl", "makes the test server's self-signed certificate")
    with dovecot_server(binary, tls=True) as server:
        yield server


# fixtures that start a real server or external tool
_REAL_SERVERS = frozenset({"dovecot", "dovecot_tls"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a real-server fixture (dovecot) is an ``integration`` test, so
    ``make test-fast`` leaves it out without every such test saying so."""
    for item in items:
        if _REAL_SERVERS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
