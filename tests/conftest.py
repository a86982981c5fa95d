"""Shared fixtures. ``require_tool`` skips locally when a system tool is missing, but fails
when ``OUTREACH_REQUIRE_TOOLS=1`` (as ``.ci/run`` sets), so CI can never skip silently."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


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


@pytest.fixture(autouse=True)
def _isolated_ledger(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the real user's ledger or config from tests."""
    monkeypatch.setenv("OUTREACH_LEDGER", str(tmp_path_factory.mktemp("ledger") / "ledger.sqlite"))
    monkeypatch.delenv("OUTREACH_SMTP_PASSWORD", raising=False)
