"""Issue 18: one life cycle per person. Every command asks ``outreach.lifecycle`` what each
peer was told and may be told next; driven through the CLI, with a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
FROM = ["--from", "Dana Whitfield <dana.whitfield@example.com>"]


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def message_ids(folder: Path) -> dict[str, str]:
    return {p.name: email.message_from_bytes(p.read_bytes(), policy=email.policy.default)[
        "Message-ID"] for p in sorted(folder.glob("*.eml"))}


# ---------------------------------------------------------------- one Message-ID rule


@pytest.mark.slow
def test_message_ids_are_stable_per_ledger_and_unguessable_without_it(tmp_path: Path) -> None:
    def emails(ledger: str, out: str) -> dict[str, str]:
        run("emails", str(EXPORT), "--out", str(tmp_path / out), "--ledger",
            str(tmp_path / ledger), "--start", "2027-01-05T08:00", "--tz", "Europe/Berlin",
            *FROM)
        return message_ids(tmp_path / out)

    first = emails("a.sqlite", "a")
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").glob("*.eml")}
    assert first and emails("a.sqlite", "a") == first  # a rerun: the same IDs, same bytes
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").glob("*.eml")} == before
    other = emails("b.sqlite", "b")  # the same campaign from another ledger (another secret)
    assert other.keys() == first.keys()
    assert not set(other.values()) & set(first.values())
