"""``outreach.toml``: the user's defaults, turned into click's ``default_map``.

Precedence (lowest first): built-in defaults < ``outreach.toml`` < ``OUTREACH_*`` environment
variables < command-line options. Click does the last two; this module does the file.

The file is looked up in this order: ``--config FILE`` (or ``$OUTREACH_CONFIG``), then
``./outreach.toml``, then ``outreach.toml`` in the user config folder
(``platformdirs.user_config_dir("outreach")``, ``~/.config/outreach`` on Linux).

The starter file (``outreach/data/outreach.toml``, what ``outreach init`` writes) is also the
schema: its sections and keys are the only ones accepted, each with the type of its value
there. A key anywhere else is an error naming the file and the closest known key.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.errors import OutreachError

if TYPE_CHECKING:
    from outreach.times import UsualSlot

CONFIG_NAME = "outreach.toml"
ENV_VAR = "OUTREACH_CONFIG"
STARTER = Path(__file__).resolve().parent / "data" / CONFIG_NAME
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_PEER_COMMANDS = ("peers", "emails", "invite", "rotation", "forum", "cards", "campaign")
_MEETING_COMMANDS = ("emails", "invite", "rotation", "forum", "cards", "campaign")
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}
_PASSWORD = ("[smtp] password is not read from files; "
             "set OUTREACH_SMTP_PASSWORD or type it at the prompt")
_IMAP_PASSWORD = ("[imap] password is not read from files; set OUTREACH_IMAP_PASSWORD, "
                  "password_command, or store it with outreach login imap")


def local_zone() -> str:
    """The computer's IANA time zone: ``$TZ`` when it names one, else what the system says
    (``tzlocal``: /etc/localtime or /etc/timezone on Linux and macOS, the registry's zone
    on Windows, mapped to its IANA name); ``UTC`` only when the computer names none
    (``--help`` shows the zone found, so it is never a silent UTC).

    The default of every ``--tz`` when ``outreach.toml`` has no ``[meeting] tz``. Reads a
    link, a small file or a registry key only (``outreach --help`` stays fast).
    """
    import os

    env = os.environ.get("TZ", "").lstrip(":")
    if env and _zone_file(env):
        return env
    name = _system_zone()
    return name if name and _zone_file(name) else "UTC"


def _system_zone() -> str:
    """The zone the operating system is set to, by IANA name ("" if it names none)."""
    import warnings

    import tzlocal

    try:
        with warnings.catch_warnings():  # a $TZ tzlocal cannot use: it says so, we fall back
            warnings.simplefilter("ignore")
            return tzlocal.get_localzone_name() or ""
    except Exception:  # tzlocal raises its own errors for a broken or unknown setting
        return ""


def _zone_file(name: str) -> bool:
    """Whether ``name`` is a zone ``zoneinfo`` knows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def user_config_path() -> Path:
    """``outreach.toml`` in the user config folder (``~/.config/outreach/`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_config_dir("outreach")) / CONFIG_NAME


def find(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """The config to use: ``--config FILE``, else ``./outreach.toml``, else the user's
    ``outreach.toml`` (see ``user_config_path``), else none."""
    if explicit is not None:
        return explicit
    here = (cwd / CONFIG_NAME) if cwd is not None else Path(CONFIG_NAME)
    if here.is_file():
        return here
    user = user_config_path()
    return user if user.is_file() else None


MAX_CONFIG_BYTES = 1_000_000  # a settings file is a few kB


def load(path: Path) -> dict[str, Any]:
    """Read and check a TOML config. Every error names ``path`` as given: bad TOML with its
    line, text that is not UTF-8, an unknown section or key (with the closest known one),
    a value of the wrong type."""
    from outreach import fileio

    try:
        data = fileio.read_regular(path, "a TOML config file", limit=MAX_CONFIG_BYTES)
    except FileNotFoundError:
        raise OutreachError(f"{path}: config file not found") from None
    except OSError as exc:
        raise OutreachError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise OutreachError(f"{path}: over {MAX_CONFIG_BYTES:,} bytes, not a config file")
    try:
        text = data.decode("utf-8-sig")  # a BOM, as some Windows editors write, is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise OutreachError(f"{path}: line {line} is not UTF-8 text; save the file as UTF-8") \
            from None
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OutreachError(f"{path}: invalid TOML: {exc}") from None
    check(config, path)
    return config


@functools.cache
def known_keys() -> dict[str, dict[str, type]]:
    """Every section and key ``outreach.toml`` may hold, with its value's type: the starter
    file's (``outreach init`` writes it), so the schema and the documented file are one. A
    key the starter leaves commented out (``# tz = "America/Toronto"``: by default the
    computer's zone) is a key too."""
    text = STARTER.read_text(encoding="utf-8")
    starter = tomllib.loads(text)
    keys = {section: {key: type(value) for key, value in table.items()}
            for section, table in starter.items()}
    section = ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[] ")
        elif section and (match := _COMMENTED_KEY.match(line)):
            try:
                value = tomllib.loads(match.group(1))
            except tomllib.TOMLDecodeError:
                continue
            keys[section].update({key: type(item) for key, item in value.items()})
    return keys


_COMMENTED_KEY = re.compile(r"^# ?([a-z_]+ = .+)$")


def check(config: dict[str, Any], source: Path | str = CONFIG_NAME) -> None:
    """Refuse what outreach would not use: unknown sections and keys, wrong types, bad
    values. Each message names ``source``, e.g.
    ``bad.toml: [meeting] weekdy: unknown key; did you mean weekday?``."""
    known = known_keys()
    for name, table in config.items():
        if name not in known:
            raise OutreachError(f"{source}: {_unknown_top_level(name, table, known)}")
        if not isinstance(table, dict):
            raise OutreachError(f"{source}: [{name}] must be a table (a [{name}] section)")
        for key, value in table.items():
            if name in ("smtp", "imap") and key == "password":
                raise OutreachError(f"{source}: {_PASSWORD if name == 'smtp' else _IMAP_PASSWORD}")
            if key not in known[name]:
                hint = _closest(key, list(known[name]))
                raise OutreachError(f"{source}: [{name}] {key}: unknown key; {hint}")
            expected = known[name][key]
            if type(value) is not expected:
                raise OutreachError(f"{source}: [{name}] {key}: expected "
                                    f"{_TYPE_NAMES.get(expected, expected.__name__)}, "
                                    f"got {_toml_value(value)}")
    meeting = config.get("meeting", {})
    weekday, clock = meeting.get("weekday"), meeting.get("time")
    if weekday and str(weekday).lower() not in WEEKDAYS:
        raise OutreachError(f"{source}: [meeting] weekday {weekday!r} is not a weekday name; "
                            f"{_closest(str(weekday).lower(), WEEKDAYS, 'weekday')}")
    if clock:
        try:
            datetime.strptime(str(clock), "%H:%M")
        except ValueError:
            raise OutreachError(f"{source}: [meeting] time {clock!r} is not HH:MM") from None
    if meeting.get("lead"):
        from outreach.times import parse_span

        try:
            parse_span(str(meeting["lead"]), field="lead")
        except OutreachError as exc:
            raise OutreachError(f"{source}: [meeting] lead: {exc.message}") from None


def _unknown_top_level(name: str, value: Any, known: dict[str, dict[str, type]]) -> str:
    if isinstance(value, dict):
        return f"[{name}]: unknown section; " + _closest(name, list(known), "section",
                                                         brackets=True)
    owners = [section for section, keys in known.items() if name in keys]
    if owners:
        return f"{name}: a key outside any section; did you mean [{owners[0]}] {name}?"
    return f"{name}: unknown key outside any section; " + _closest(
        name, list(known), "section", brackets=True)


def _closest(word: str, choices: list[str], what: str = "key", *, brackets: bool = False) -> str:
    """``did you mean weekday?``, or the known ones when none is close."""
    shown = [f"[{c}]" if brackets else c for c in choices]
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if match:
        return f"did you mean {shown[choices.index(match[0])]}?"
    plural = "es" if what.endswith("s") else "s"  # (wording.plural is for counts)
    return f"known {what}{plural}: " + ", ".join(shown)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value) if not hasattr(value, "isoformat") else value.isoformat()


def default_map(config: dict[str, Any], today: date | datetime | None = None,
                source: Path | str = CONFIG_NAME) -> dict[str, dict[str, Any]]:
    """Map config sections onto each command's option names (after ``check``: an error
    names ``source``). ``today``: when now is (a date: its midnight, in the zone), for the
    usual slot's next start [default: ``times.now()``]."""
    check(config, source)
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
            "start": _next_start(meeting, today),
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
    result["cards"].setdefault("sign", _first_name(sender.get("name", "")) or None)
    result["campaign"].pop("start", None)  # the campaign finds the usual slot itself,
    result["campaign"].update(_drop_empty({"lead": meeting.get("lead")}))  # with its --lead
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
            "auth": smtp.get("auth"),
            "password_command": smtp.get("password_command"),
            "token_command": smtp.get("token_command"),
            "tz": meeting.get("tz"),  # the zone of the Date: header set at send time
        }
    )
    result["status"] = _drop_empty({"tz": meeting.get("tz")})
    imap = _section(config, "imap")
    login = _drop_empty({key: imap.get(key) for key in ("auth", "password_command",
                                                        "token_command")})
    result["inbox"], result["drafts"] = dict(login), dict(login)
    result["followups"] = _drop_empty({"from_address": _address(sender)})
    return {name: _drop_empty(values) for name, values in result.items()}


def _section(config: dict[str, Any], name: str) -> dict[str, Any]:
    value: dict[str, Any] = config.get(name, {})  # a table: ``check`` made sure
    return value


def _prefixed(section: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {f"{prefix}{key}": value for key, value in _drop_empty(section).items()}


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def _first_name(name: str) -> str:
    """How a card is signed when ``[cards] sign`` is not set: ``model.Sender.first_name``."""
    from outreach.model import Sender

    return Sender(name=name).first_name


def _address(sender: dict[str, Any]) -> str | None:
    name, email = sender.get("name", ""), sender.get("email", "")
    if not email:
        return None
    if not name:
        return str(email)
    quoted = str(name).replace("\\", "").replace('"', "")
    return f'"{quoted}" <{email}>'


def usual_slot(config: dict[str, Any]) -> UsualSlot:
    """``[meeting]`` weekday, time and lead (after ``check``), each else the built-in one."""
    from outreach.times import UsualSlot, parse_span

    meeting, slot = _section(config, "meeting"), UsualSlot()
    weekday, clock, lead = meeting.get("weekday"), meeting.get("time"), meeting.get("lead")
    return UsualSlot(
        WEEKDAYS.index(str(weekday).lower()) if weekday else slot.weekday,
        datetime.strptime(str(clock), "%H:%M").time() if clock else slot.at,
        parse_span(str(lead), field="lead") if lead else slot.lead)


def _next_start(meeting: dict[str, Any], today: date | datetime | None) -> str | None:
    """``weekday = "tuesday"``, ``time = "08:00"`` → the first such slot at least ``lead``
    (a week) after now, in the configured zone (all checked by ``check``)."""
    from outreach import times

    if not meeting.get("weekday") or not meeting.get("time"):
        return None
    tz = str(meeting.get("tz") or local_zone())
    moment = (today if isinstance(today, datetime) else times.now() if today is None
              else datetime.combine(today, time(0), times.parse_zone(tz)))
    start = times.first_slot(moment, tz, usual_slot({"meeting": meeting}))
    return start.strftime("%Y-%m-%dT%H:%M")


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


def init_user(*, force: bool = False) -> Path | None:
    """Write the commented starter ``outreach.toml`` into the user config folder, read by
    every command run from a folder without its own. Returns it, or None if it was there."""
    from outreach import fileio

    target = user_config_path()
    if target.exists() and not force:
        return None
    fileio.write_bytes(target, STARTER.read_bytes())
    return target
