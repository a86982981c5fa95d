"""``outreach.toml``: the user's defaults, turned into click's ``default_map``.

Precedence (lowest first): built-in defaults < ``outreach.toml`` < ``OUTREACH_*`` environment
variables < command-line options. Click does the last two; this module does the file.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError

CONFIG_NAME = "outreach.toml"
STARTER = Path(__file__).resolve().parent / "data" / CONFIG_NAME
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_PEER_COMMANDS = ("peers", "emails", "invite", "rotation", "forum", "cards", "campaign")
_MEETING_COMMANDS = ("emails", "invite", "rotation", "forum", "cards", "campaign")


def load(path: Path) -> dict[str, Any]:
    """Read a TOML config; a syntax error names the file and line."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise OutreachError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise OutreachError(f"{path}: invalid TOML: {exc}") from None


def find(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """The config to use: ``--config FILE``, else ``./outreach.toml`` if present."""
    if explicit is not None:
        return explicit
    candidate = (cwd or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def default_map(config: dict[str, Any], today: date | None = None) -> dict[str, dict[str, Any]]:
    """Map config sections onto each command's option names."""
    sender = _section(config, "sender")
    meeting = _section(config, "meeting")
    smtp = _section(config, "smtp")
    peers = _drop_empty({"title": sender.get("title"), "company": sender.get("company")})
    when = _drop_empty(
        {
            "from_address": _address(sender),  # the --from option's parameter name
            "tz": meeting.get("tz"),
            "duration": meeting.get("duration"),
            "location": meeting.get("location"),
            "link": meeting.get("link"),
            "remind": meeting.get("remind"),
            "start": _next_start(meeting, today or date.today()),
        }
    )
    result: dict[str, dict[str, Any]] = {name: dict(peers) for name in _PEER_COMMANDS}
    for name in _MEETING_COMMANDS:
        result[name].update(when)
    rotation = _prefixed(_section(config, "rotation"), "")
    forum = _section(config, "forum")
    cards = _section(config, "cards")
    result["rotation"].update(rotation)
    result["forum"].pop("duration", None)  # a forum session is not a coffee: [forum] duration
    result["forum"].update(_drop_empty(dict(forum)))
    result["cards"].update(_drop_empty(dict(cards)))
    result["cards"].setdefault("sign", sender.get("name") or None)
    result["campaign"].update(_prefixed(_section(config, "rotation"), "rotation_"))
    result["campaign"].update(_prefixed(forum, "forum_"))
    result["campaign"].update(_prefixed(cards, "card_"))
    result["send"] = _drop_empty(
        {
            "smtp_host": smtp.get("host"),
            "port": smtp.get("port"),
            "security": smtp.get("security"),
            "user": smtp.get("user"),
            "rate": smtp.get("rate"),
        }
    )
    result["status"] = _drop_empty({"tz": meeting.get("tz")})
    if "password" in smtp:
        raise OutreachError(
            "outreach.toml: [smtp] password is not read from files; "
            "set OUTREACH_SMTP_PASSWORD or type it at the prompt"
        )
    return {name: _drop_empty(values) for name, values in result.items()}


def _section(config: dict[str, Any], name: str) -> dict[str, Any]:
    value = config.get(name, {})
    if not isinstance(value, dict):
        raise OutreachError(f"outreach.toml: [{name}] must be a table")
    return value


def _prefixed(section: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {f"{prefix}{key}": value for key, value in _drop_empty(section).items()}


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def _address(sender: dict[str, Any]) -> str | None:
    name, email = sender.get("name", ""), sender.get("email", "")
    if not email:
        return None
    if not name:
        return str(email)
    quoted = str(name).replace("\\", "").replace('"', "")
    return f'"{quoted}" <{email}>'


def _next_start(meeting: dict[str, Any], today: date) -> str | None:
    """``weekday = "tuesday"``, ``time = "08:00"`` → the next such slot after today."""
    weekday, clock = meeting.get("weekday"), meeting.get("time")
    if not weekday or not clock:
        return None
    if str(weekday).lower() not in WEEKDAYS:
        raise OutreachError(f"outreach.toml: [meeting] weekday {weekday!r} is not a weekday name")
    try:
        at = datetime.strptime(str(clock), "%H:%M").time()
    except ValueError:
        raise OutreachError(f"outreach.toml: [meeting] time {clock!r} is not HH:MM") from None
    ahead = (WEEKDAYS.index(str(weekday).lower()) - today.weekday() - 1) % 7 + 1
    return datetime.combine(today + timedelta(days=ahead), at).strftime("%Y-%m-%dT%H:%M")


def init_folder(folder: Path, *, force: bool = False) -> list[Path]:
    """Write a commented ``outreach.toml`` and copies of the default templates into ``folder``.

    Existing files are kept unless ``force``; returns the files written.
    """
    from outreach import fileio
    from outreach.templating import BUILTIN_DIR

    written = []
    targets = [(STARTER, folder / CONFIG_NAME)]
    targets += [(t, folder / "templates" / t.name) for t in sorted(BUILTIN_DIR.glob("*.j2"))]
    for source, target in targets:
        if target.exists() and not force:
            continue
        fileio.write_bytes(target, source.read_bytes())
        written.append(target)
    return written

