"""Options, arguments and helpers the command modules share."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from outreach.cli.streams import InputPath, is_dash, output_path
from outreach.errors import OutreachError
from outreach.terminal import visible

F = TypeVar("F", bound=Callable[..., Any])


def click_error(exc: OutreachError, command: click.Command | None = None) -> click.ClickException:
    """The library's error as click's: printed as one ``Error: ...`` line, exit code kept.

    An error that names a ``field`` is shown with the option the user typed for it: the
    current command's option whose parameter is that field (``start`` → ``--start``), else
    ``--`` + the field with dashes.
    """
    text = str(exc)
    if exc.field:
        text = exc.for_option(option_for_field(exc.field, command))
    error = click.ClickException(visible(text))  # one line, whatever the data held
    setattr(error, "exit_code", exc.exit_code)  # noqa: B010 (a ClassVar in click's stubs)
    return error


def option_for_field(field: str, command: click.Command | None = None) -> str:
    """The flag of ``command``'s option named ``field`` (``--start`` for ``start``); without
    a command, the running command's (and its parents')."""
    commands = [command] if command is not None else []
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        commands.append(ctx.command)
        ctx = ctx.parent
    for each in commands:
        for param in each.params:
            if isinstance(param, click.Option) and param.name == field:
                longs = [o for o in param.opts if o.startswith("--")]
                return (longs or param.opts)[0]
    return "--" + field.replace("_", "-")


def peer_options(func: F) -> F:
    """The peer-selection options every INPUT-taking command shares (as ``outreach peers``)."""
    options = [
        click.option("--title", help="Your title; peers share its function and level "
                     "[default: your current position from the export]."),
        click.option("--company", help="Your company; peers work elsewhere "
                     "[default: from the export]."),
        click.option("--levels", metavar="L1,L2", help="Accept these levels instead of "
                     "your own (owner,cxo,vp,director,manager,senior,ic,entry)."),
        click.option("--functions", metavar="F1,F2", help="Accept these functions instead "
                     "of your own (marketing,it,project_management,...)."),
        click.option("--include-own-company", is_flag=True,
                     help="Also your colleagues at your level, in any function (workplace "
                     "peers), written to as colleagues."),
        click.option("--vocabulary", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Extra title vocabulary (TOML) merged over the built-in one."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


class ZoneOption(click.Option):
    """``--tz`` for every command: ``outreach.toml``'s ``[meeting] tz``, else the computer's
    zone (never a silent UTC). ``--help`` also names the zone found on this computer; the
    help data (``get_help_extra``, what the README is generated from) stays the same on
    every computer."""

    GENERIC = "the computer's zone"

    def get_help_extra(self, ctx: click.Context) -> Any:
        extra = super().get_help_extra(ctx)
        configured = ctx.lookup_default(self.name, call=False) if self.name else None
        extra["default"] = f"{configured}, from outreach.toml" if configured else self.GENERIC
        return extra

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[Any]:
        """Every IANA zone starting with what was typed (case-insensitive): ``Europe/Be``."""
        import zoneinfo

        from click.shell_completion import CompletionItem

        typed = incomplete.casefold()
        zones = sorted(z for z in zoneinfo.available_timezones() if z.casefold().startswith(typed))
        return [CompletionItem(zone) for zone in zones]

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from outreach.config import local_zone

        record = super().get_help_record(ctx)
        if record is None:
            return None
        flags, text = record
        return flags, text.replace(f"default: {self.GENERIC}",
                                   f"default: {self.GENERIC}, {local_zone()} here")


def tz_option(help_text: str) -> Callable[[F], F]:
    """The one ``--tz`` (see ``ZoneOption``); the value is an IANA name."""
    from outreach.config import local_zone

    return click.option("--tz", cls=ZoneOption, default=local_zone, metavar="ZONE",
                        help=help_text)


def meeting_options(func: F, duration: str = "45m") -> F:
    """When and where: spelled the same for invite, rotation, forum, emails and campaign."""
    options = [
        click.option("--start", metavar="YYYY-MM-DDTHH:MM", help="First meeting, local time."),
        click.option("--duration", default=duration, show_default=True, help="e.g. 30m, 1h."),
        tz_option("IANA time zone of --start, e.g. America/Toronto."),
        click.option("--location", default="", help="Where to meet (café, office)."),
        click.option("--link", default="", help="Video-call URL instead of a place."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


booking_link_option = click.option(
    "--booking-link", metavar="URL",
    help="Your scheduling page (Calendly, cal.com; https only) for the peer to pick a time "
    "on, instead of --start: no calendar part is attached.")


def checked_link(link: str | None, start: object = None) -> str:
    """``--booking-link`` checked (``outreach.booking``), refused beside ``--start``."""
    from outreach.booking import booking_link, refuse_with_start

    checked = booking_link(link)
    refuse_with_start(checked, start)
    return checked


def forum_meeting_options(func: F) -> F:
    """``meeting_options`` with the forum's longer default session."""
    return meeting_options(func, duration="90m")


def format_options(func: F) -> F:
    func = click.option("-o", "--output", type=output_path(),
                        help="Write to FILE (atomically) instead of the terminal; - for "
                        "standard output.")(func)
    return click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
                        default="table", show_default=True,
                        help="table for reading; csv/json for tools.")(func)


def language_options(func: F) -> F:
    """``--locale`` and ``--templates``: the language written in and the user's templates
    folder; the same on every command that writes a message, card or .ics."""
    func = click.option("--templates", "templates_dir", metavar="DIR",
                        type=click.Path(file_okay=False, path_type=Path),
                        help="Your templates folder (a file missing there: the built-in "
                        "one) [default: ./templates when present].")(func)
    return click.option("--locale", metavar="LANG", envvar="OUTREACH_LOCALE",
                        help="Language to write in, e.g. es, fr_FR [default: "
                        "$OUTREACH_LOCALE, the config's locale, else your computer's].")(func)


def language(locale: str | None, templates_dir: Path | None) -> tuple[str, Path | None]:
    """The resolved locale (``i18n.resolve_locale``: ``--locale`` or ``$OUTREACH_LOCALE``,
    then config ``[language] locale``, then the computer's) and the templates folder
    (``--templates`` or config ``[templates] dir``, else ``./templates`` if a folder)."""
    import os

    from outreach import tables
    from outreach.i18n import resolve_locale

    configured = click.get_current_context().meta.get(CONFIG_LOCALE)
    resolved = resolve_locale(locale, os.environ, configured)
    tables.follow_locale(resolved)  # the CSV dialect follows --locale too, not only the env
    if templates_dir is None and Path("templates").is_dir():
        templates_dir = Path("templates")
    return resolved, templates_dir


def split_list(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def echo(message: str, err: bool = False) -> None:
    """Print a message that may hold data (names, subjects): control characters spelled
    out (``outreach.terminal``), line feeds kept. With ``--quiet`` or ``--format json``,
    only standard error's messages (errors, warnings) are printed."""
    if not err and quiet():
        return
    click.echo(visible(message, lines=True), err=err)


def echo_err(message: str) -> None:
    echo(message, err=True)


def ledger_option(func: F) -> F:
    return click.option(
        "--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
        envvar="OUTREACH_LEDGER",
        help="Ledger database [default: $OUTREACH_LEDGER, else outreach/ledger.sqlite in "
        "your user data folder].",
    )(func)


def select_people(
    input_path: Path | bytes,
    title: str | None = None,
    company: str | None = None,
    levels: str | None = None,
    functions: str | None = None,
    include_own_company: bool = False,
    vocabulary: Path | None = None,
    with_excluded: bool = False,
) -> Any:
    """The peers of INPUT (an export or a peers CSV) per the shared ``peer_options``;
    ``with_excluded`` keeps the rows left out, saying why (``outreach peers --format csv-all``)."""
    from outreach.peers import PeerQuery, load_people

    query = PeerQuery(title, company, split_list(levels), split_list(functions),
                      include_own_company, vocabulary, with_excluded=with_excluded)
    return load_people(input_path, query)


def emit(renderable: Any, output: Path | None) -> None:
    """Print text or a rich renderable, or write text atomically to ``output``; nothing is
    printed with ``--quiet`` or ``--format json`` (``report_json`` prints the result)."""
    from outreach import fileio

    if output is None and quiet():
        return
    if is_dash(output):
        output = None  # -o -: standard output, as without -o
    if output is not None:
        if not isinstance(renderable, str):
            raise click.UsageError("-o/--output needs --format csv or json")
        fileio.write_text(output, renderable)
        echo_err(f"Wrote {output}")
    elif isinstance(renderable, str):  # csv/json: kept intact for a pipe, safe on a terminal
        renderable = renderable.removeprefix("\ufeff")  # a BOM marks a file, not a stream
        click.echo(visible(renderable, lines=True) if sys.stdout.isatty() else renderable,
                   nl=False)
    else:
        from rich.console import Console

        Console().print(renderable)


EXPORT_ARG = click.argument("export", type=InputPath())  # "-": its bytes from standard input


INPUT_ARG = click.argument("input_path", metavar="INPUT", type=InputPath())


_NAMED_ADDRESS = re.compile(r'\s*"?(?P<name>[^<>"]*?)"?\s*<(?P<address>[^<>@\s]+@[^<>@\s]+)>\s*')
_BARE_ADDRESS = re.compile(r"\s*(?P<address>[^<>@\s,;]+@[^<>@\s,;]+)\s*")


def parse_from(text: str) -> tuple[str, str]:
    """``--from``: ``Name <addr>`` (the name may hold commas: "Dana Whitfield, Jr."), a quoted
    name, a bare address, or any other single mailbox RFC 5322 allows (``addr (Name)``, read
    by ``email``'s header parser). Anything else is a usage error."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise click.BadParameter(f"{text!r} is not 'Name <address>'", param_hint="--from")
    match = _NAMED_ADDRESS.fullmatch(text) or _BARE_ADDRESS.fullmatch(text)
    if match is not None:
        groups = match.groupdict()
        return (groups.get("name") or "").strip(), groups["address"]
    parsed = _one_mailbox(text)
    if parsed is None:
        raise click.BadParameter(f"{text!r} is not 'Name <address>'", param_hint="--from")
    return parsed


def _one_mailbox(text: str) -> tuple[str, str] | None:
    """``dana@example.com (Dana Whitfield)`` → ("Dana Whitfield", "dana@example.com"); None
    unless ``text`` is exactly one mailbox with a valid address."""
    from email.policy import default
    from email.utils import parseaddr

    from outreach.model import valid_address

    try:  # the strict parser says whether it is one mailbox; parseaddr reads a (comment) name
        header = default.header_factory("From", text)
    except (ValueError, IndexError):
        return None
    found = tuple(getattr(header, "addresses", ()))
    if len(found) != 1 or header.defects or not valid_address(found[0].addr_spec):
        return None
    name, address = parseaddr(text)
    if address != found[0].addr_spec:
        return None
    return (found[0].display_name or name).strip(), address


def sender_for(selection: Any, from_address: str | None) -> Any:
    from outreach.model import merged_sender

    name, email = parse_from(from_address) if from_address else ("", "")
    return merged_sender(selection.sender, name=name, email=email, title=selection.title,
                         company=selection.company)


def meeting_or_none(start: str | None, duration: str, tz: str, location: str,
                    link: str, yes: bool | None = None) -> Any:
    """The meeting --start and the rest describe; ``yes`` as for ``start_with_note``."""
    from outreach.model import Meeting
    from outreach.times import parse_span

    if not start:
        return None
    return Meeting(start_with_note(start, tz, yes=yes), parse_span(duration), location, link)


USUAL_SLOT = "outreach.usual_slot"
CONFIG_LOCALE = "outreach.config_locale"  # outreach.toml's [language] locale
"""``ctx.meta`` key of the usual slot (``times.UsualSlot``) the group read from outreach.toml."""


def usual_slot() -> Any:
    """The usual meeting slot from outreach.toml (``[meeting]`` weekday, time, lead)."""
    from outreach.times import UsualSlot

    ctx = click.get_current_context(silent=True)
    return (ctx.meta.get(USUAL_SLOT) if ctx is not None else None) or UsualSlot()


def yes_option(func: F) -> F:
    return click.option("--yes", is_flag=True,
                        help="Plan a first meeting on a weekend or outside 07:00–20:00 "
                        "without being asked.")(func)


def start_with_note(text: str, tz: str, option: str = "--start", *,
                    yes: bool | None = None) -> Any:
    """``parse_start`` (a date alone takes the usual time), saying on stderr which time was
    taken when the clocks go back then. With ``yes`` given (the commands that schedule), a
    start in the past is refused and a weekend or an hour outside 07:00–20:00 needs
    ``--yes``; a start from outreach.toml is the user's own slot and is not asked about."""
    from datetime import datetime

    from click.core import ParameterSource

    from outreach.times import check_not_past, now, parse_start, twice_note, unusual_start

    field = option.lstrip("-").replace("-", "_")
    when = parse_start(text, tz, usual_slot().at, field=field)
    given_offset = datetime.fromisoformat(text.strip()).tzinfo is not None  # read above
    note = None if given_offset else twice_note(when)
    if note:
        echo_err(f"note: {option}: {note}")
    if yes is None:
        return when
    check_not_past(when, now(), field=field)
    ctx = click.get_current_context(silent=True)
    configured = ctx is not None and ctx.get_parameter_source(field) is ParameterSource.DEFAULT_MAP
    reason = unusual_start(when)
    if reason and not (yes or configured):
        raise OutreachError(f"{reason}; pass --yes to plan it anyway", field=field)
    return when


@contextlib.contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr for long batches, only when stderr is a terminal."""
    if total < 200 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def run_locale() -> str:
    """The locale this run speaks (``OUTREACH_LOCALE``, then the computer's), for defaults
    that follow it: the CSV dialect, the holidays' country."""
    import os

    from outreach.i18n.locales import resolve_locale

    try:
        return resolve_locale(None, os.environ, None)
    except OutreachError:  # an unknown OUTREACH_LOCALE is the locale option's to refuse
        return "en"


def _use_csv_dialect(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """Every CSV this command writes is in ``value``, else in the one the locale's
    spreadsheet expects (``tables.dialect_for_locale``), until the command ends."""
    from outreach import tables

    ctx.with_resource(tables.csv_dialect(value, run_locale()))


def csv_dialect_option(func: F) -> F:
    """``--csv-dialect`` for the commands that write CSV (peers.csv, linkedin.csv, failed.csv,
    ``--format csv``)."""
    return click.option(
        "--csv-dialect", type=click.Choice(["excel", "excel-semicolon", "plain"]),
        expose_value=False, callback=_use_csv_dialect,
        help="CSV for your spreadsheet: excel (UTF-8 BOM, commas), excel-semicolon (BOM, "
        "semicolons) or plain (commas, no BOM) [default: excel-semicolon where your locale "
        "writes decimals with a comma (de, es, fr, pt, it, nl), else excel].")(func)


_DAYS_OFF = "outreach.days_off."


def _keep_days_off(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    ctx.meta[_DAYS_OFF + (param.name or "")] = value


def days_off_options(func: F) -> F:
    """``--country`` and ``--skip-months`` (``[holidays]`` in outreach.toml): the days the
    rotation and the forum keep free; read them with ``days_off``."""
    options = [
        click.option("--country", metavar="CODE", expose_value=False, callback=_keep_days_off,
                     help="Skip this country's public holidays (ISO code: ES, DE, US; none: "
                     "no holidays) [default: your locale's country, e.g. es_ES: ES]."),
        click.option("--skip-months", metavar="MONTHS", expose_value=False,
                     callback=_keep_days_off,
                     help="No meetings in these months, e.g. 8 or august (a summer break)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def days_off(dates: Any = ()) -> Any:
    """The running command's ``daysoff.DaysOff``: its ``--country`` (else the locale's),
    ``--skip-months`` and the ``dates`` it skips."""
    from outreach.daysoff import days_off as build
    from outreach.i18n import parse_month

    meta = click.get_current_context().meta
    locale = run_locale()
    months = [int(m) if m.isdigit() else parse_month(m, locale, field="skip_months")
              for m in split_list(meta.get(_DAYS_OFF + "skip_months")) or ()]
    return build(meta.get(_DAYS_OFF + "country"), locale, months, dates)


_MODE = "outreach.output_mode"


def _keep_mode(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if param.name == "output_format" and value == "json":
        ctx.meta[_MODE] = "json"
    elif param.name == "quiet" and value and ctx.meta.get(_MODE) != "json":
        ctx.meta[_MODE] = "quiet"


def output_mode_options(func: F) -> F:
    """``--format text|json`` and ``-q/--quiet`` (campaign, send, inbox, followups, drafts,
    log): json prints one object (docs/json.md) and nothing else on standard output; quiet
    prints only errors and warnings (standard error)."""
    options = [
        click.option("--format", "output_format", type=click.Choice(["text", "json"]),
                     default="text", show_default=True, expose_value=False,
                     callback=_keep_mode, is_eager=True,
                     help="json: one JSON object with the result, for other tools "
                     "(docs/json.md); warnings still go to standard error."),
        click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_keep_mode,
                     help="Print only errors and warnings."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def quiet() -> bool:
    """True under ``--quiet`` or ``--format json``: standard output stays for the result."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.meta.get(_MODE) in ("json", "quiet")


def report_json(command: str, data: dict[str, Any]) -> None:
    """Under ``--format json``: ``{"command": command, **data}`` on standard output, one
    object (dates and paths as strings)."""
    import json

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.meta.get(_MODE) != "json":
        return
    click.echo(json.dumps({"command": command, **data}, ensure_ascii=False, indent=2,
                          default=str))
