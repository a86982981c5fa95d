"""One time-zone default for every command (``send``'s Date: header included): outreach.toml's
``[meeting] tz``, else the computer's zone, never a silent UTC; ``--help`` says which."""

from __future__ import annotations

import email.utils
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from click.testing import CliRunner
from smtp_server import smtp_server, write_outbox

from outreach import config
from outreach.cli import cli

COMMANDS = ["invite", "rotation", "forum", "emails", "campaign", "cards", "status", "send"]
PEERS = Path(__file__).resolve().parent / "data" / "calendar" / "peers.csv"


def help_text(command: str, *, env: dict[str, str] | None = None,
              config_path: Path | None = None) -> str:
    args = ["--config", str(config_path)] if config_path else []
    result = CliRunner().invoke(cli, [*args, command, "--help"], env=env)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_the_computers_zone_as_the_default(command: str) -> None:
    shown = help_text(command, env={"TZ": "America/Toronto"})
    assert "default: the computer's zone, America/Toronto here" in shown
    assert "default: UTC" not in shown


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_the_configured_zone(command: str, tmp_path: Path) -> None:
    toml = tmp_path / "outreach.toml"
    toml.write_text('[meeting]\ntz = "Europe/Paris"\n', encoding="utf-8")
    assert "default: Europe/Paris, from outreach.toml" in help_text(command, config_path=toml)


def test_local_zone_reads_tz_then_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert config.local_zone() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "Not/A_Zone")
    system = config.local_zone()  # what /etc/localtime or /etc/timezone says
    ZoneInfo(system)  # always a zone zoneinfo knows
    monkeypatch.delenv("TZ")
    assert config.local_zone() == system


def test_a_command_without_tz_uses_the_computers_zone(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["invite", str(PEERS), "--start", "2027-01-05T08:00",
                                      "--from", "Pat Lee <pat@example.com>", "--out",
                                      str(tmp_path)], env={"TZ": "America/Toronto"})
    assert result.exit_code == 0, result.output
    event = icalendar.Calendar.from_ical((tmp_path / "ana-lima.ics").read_bytes()).walk(
        "VEVENT")[0]
    assert event["DTSTART"].params["TZID"] == "America/Toronto"
    assert event.decoded("DTSTART").hour == 8


def test_send_dates_messages_in_the_configured_zone(tmp_path: Path) -> None:
    folder = tmp_path / "emails"
    write_outbox(folder, 1)
    toml = tmp_path / "outreach.toml"
    toml.write_text('[meeting]\ntz = "Asia/Kolkata"\n', encoding="utf-8")
    with smtp_server() as server:
        result = CliRunner().invoke(cli, [
            "--config", str(toml), "send", str(folder), "--smtp-host", server.host, "--port",
            str(server.port), "--security", "none", "--ledger", str(tmp_path / "l.sqlite"),
            "--send"], env={"TZ": "America/Toronto"})
        (received,) = server.handler.received
    assert result.exit_code == 0, result.output
    sent_at = email.utils.parsedate_to_datetime(str(received.message["Date"]))
    assert sent_at.utcoffset() == datetime.now(ZoneInfo("Asia/Kolkata")).utcoffset()
