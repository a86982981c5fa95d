"""Languages: the locale a run speaks, dates and names in it, its wording and its templates."""

from __future__ import annotations

import itertools
import re
import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import meta

from outreach import i18n, templating
from outreach.errors import OutreachError
from outreach.i18n.templates import BUILTIN_DIR
from outreach.i18n.words import WORDING_DIR
from outreach.model import Meeting, Person, Sender
from outreach.times import parse_span, parse_start

LANGUAGES = ("en", "es", "fr", "de", "pt")
TRANSLATED = ("es", "fr", "de", "pt")
ENGLISH_WORDS = ("coffee", "tuesday", "january", "meeting", "thanks")  # and "Hi ", as typed
TEMPLATES = sorted(p.name for p in BUILTIN_DIR.glob("*.j2"))
DAY = date(2027, 1, 5)  # a Tuesday in January


# ---------------------------------------------------------------- which locale


def test_the_option_wins_then_the_environment_then_the_config_then_the_computer() -> None:
    env = {"OUTREACH_LOCALE": "fr", "LANG": "pt_BR.UTF-8"}
    assert i18n.resolve_locale("de", env, "es") == "de"
    assert i18n.resolve_locale(None, env, "es") == "fr"
    assert i18n.resolve_locale(None, {"LANG": "pt_BR.UTF-8"}, "es") == "es"
    assert i18n.resolve_locale(None, {"LANG": "pt_BR.UTF-8"}, None) == "pt_BR"
    assert i18n.resolve_locale(None, {"LC_ALL": "de_DE.UTF-8", "LANG": "fr_FR"}, None) == "de_DE"
    assert i18n.resolve_locale(None, {}, None) == "en"


@pytest.mark.parametrize(("typed", "locale"), [
    ("es_ES.UTF-8", "es_ES"), ("es-ES", "es_ES"), ("pt-br", "pt_BR"), ("de_DE@euro", "de_DE"),
    ("FR", "fr"), (" en_GB.utf8 ", "en_GB"),
])
def test_what_people_type_is_normalised(typed: str, locale: str) -> None:
    assert i18n.resolve_locale(typed, {}, None) == locale


@pytest.mark.parametrize("lang", ["C", "C.UTF-8", "POSIX", "klingon_XX.UTF-8", ""])
def test_a_computer_without_a_usable_language_speaks_english(lang: str) -> None:
    assert i18n.resolve_locale(None, {"LANG": lang}, None) == "en"


@pytest.mark.parametrize(("option", "env", "config"), [
    ("klingon", {}, None), (None, {"OUTREACH_LOCALE": "xx"}, None), (None, {}, "C"),
])
def test_an_unknown_locale_the_user_gave_is_refused_naming_it(option, env, config) -> None:
    with pytest.raises(OutreachError) as caught:
        i18n.resolve_locale(option, env, config)
    assert caught.value.field == "locale"
    assert repr((option or env.get("OUTREACH_LOCALE") or config).strip()) in str(caught.value)


def test_an_unknown_locale_is_one_line_on_the_command_line() -> None:
    from outreach.cli.common import click_error

    with pytest.raises(OutreachError) as caught:
        i18n.resolve_locale("klingon", {}, None)
    message = click_error(caught.value).format_message()
    assert message.startswith("--locale: unknown locale 'klingon'")
    assert "\n" not in message and "Traceback" not in message


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(("locale", "full", "weekday"), [
    ("en", "Tuesday 5 January 2027", "Tuesday 5 January"),
    ("es", "martes, 5 de enero de 2027", "martes, 5 de enero"),
    ("fr", "mardi 5 janvier 2027", "mardi 5 janvier"),
    ("de", "Dienstag, 5. Januar 2027", "Dienstag, 5. Januar"),
    ("pt", "terça-feira, 5 de janeiro de 2027", "terça-feira, 5 de janeiro"),
])
def test_a_day_reads_as_a_native_reader_writes_it(locale: str, full: str, weekday: str) -> None:
    assert i18n.format_day(DAY, locale) == full
    assert i18n.format_day(datetime(2027, 1, 5, 23, 30), locale, "weekday") == weekday


@pytest.mark.parametrize(("locale", "clock", "zoned"), [
    ("en", "08:30", "08:30 CET"), ("es", "8:30", "8:30 (CET)"), ("fr", "8 h 30", "8 h 30 (CET)"),
    ("de", "08:30", "08:30 Uhr (CET)"), ("pt", "08:30", "08:30 (CET)"),
])
def test_a_time_reads_as_the_locale_writes_it(locale: str, clock: str, zoned: str) -> None:
    from zoneinfo import ZoneInfo

    assert i18n.format_time(time(8, 30), locale) == clock
    assert i18n.format_time(datetime(2027, 1, 5, 8, 30, tzinfo=ZoneInfo("Europe/Madrid")),
                            locale, "zone") == zoned


@pytest.mark.parametrize(("locale", "minutes", "hour", "mixed"), [
    ("en", "45 minutes", "1 hour", "1 h 30 min"),
    ("es", "45 minutos", "1 hora", "1 h y 30 min"),
    ("fr", "45 minutes", "1\xa0heure", "1 h 30"),
    ("de", "45 Minuten", "1 Stunde", "1 Std. 30 Min."),
    ("pt", "45 minutos", "1 hora", "1 h 30 min"),
])
def test_a_duration_reads_as_the_locale_says_it(locale, minutes, hour, mixed) -> None:
    assert i18n.format_duration(timedelta(minutes=45), locale) == minutes
    assert i18n.format_duration(60, locale) == hour
    assert i18n.format_duration(90, locale) == mixed


@pytest.mark.parametrize(("locale", "tuesday", "january"), [
    ("en", "Tuesday", "January"), ("es", "martes", "enero"), ("fr", "mardi", "janvier"),
    ("de", "Dienstag", "Januar"), ("pt", "terça-feira", "janeiro"),
])
def test_weekday_and_month_names(locale: str, tuesday: str, january: str) -> None:
    assert i18n.format_weekday(1, locale) == i18n.format_weekday(DAY, locale) == tuesday
    assert i18n.format_month(1, locale) == i18n.format_month(DAY, locale) == january


def test_no_strftime_in_the_language_code() -> None:
    """``%-d`` fails on Windows and strftime follows the process locale: babel patterns only."""
    import ast

    for source in Path(i18n.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "strftime"]
        specs = [n for n in ast.walk(tree) if isinstance(n, ast.FormattedValue) and n.format_spec]
        assert calls == [] and specs == [], source


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(("text", "locale", "number"), [
    ("martes", "es", 1), ("Dienstag", "de", 1), ("mardi", "fr", 1), ("terça-feira", "pt", 1),
    ("terça", "pt", 1), ("TERCA", "pt", 1), ("tuesday", "es", 1), ("Tue", "de", 1),
    ("MIÉRCOLES", "es", 2), ("miercoles", "es", 2), ("Mi.", "de", 2), ("sábado", "pt", 5),
    ("dimanche", "fr", 6), ("Sunday", "en", 6),
])
def test_weekdays_in_english_and_the_locale(text: str, locale: str, number: int) -> None:
    assert i18n.parse_weekday(text, locale) == number


@pytest.mark.parametrize(("text", "locale", "number"), [
    ("enero", "es", 1), ("janvier", "fr", 1), ("Januar", "de", 1), ("janeiro", "pt", 1),
    ("January", "pt", 1), ("août", "fr", 8), ("AOUT", "fr", 8), ("März", "de", 3),
    ("marz", "de", 3), ("set.", "pt", 9), ("sept", "es", 9), ("Dec", "en", 12),
])
def test_months_in_english_and_the_locale(text: str, locale: str, number: int) -> None:
    assert i18n.parse_month(text, locale) == number


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_unknown_name_lists_the_names_accepted(locale: str) -> None:
    with pytest.raises(OutreachError) as caught:
        i18n.parse_weekday("martis", locale, field="weekday")
    assert caught.value.field == "weekday" and "'martis' is not a weekday" in str(caught.value)
    assert "tuesday" in str(caught.value)
    assert i18n.format_weekday(1, locale).lower() in str(caught.value)
    with pytest.raises(OutreachError) as month:
        i18n.parse_month("Smarch", locale, field="skip_months")
    assert month.value.field == "skip_months" and "january" in str(month.value)
    assert i18n.format_month(1, locale).lower() in str(month.value)


@given(st.sampled_from(LANGUAGES), st.integers(0, 6), st.sampled_from(["wide", "abbreviated"]),
       st.sampled_from([str.upper, str.lower, str.title]))
def test_every_weekday_name_babel_writes_is_read_back(locale, day, width, case) -> None:
    assert i18n.parse_weekday(case(i18n.format_weekday(day, locale, width)), locale) == day


@given(st.sampled_from(LANGUAGES), st.integers(1, 12), st.sampled_from(["wide", "abbreviated"]))
def test_every_month_name_babel_writes_is_read_back(locale, month, width) -> None:
    assert i18n.parse_month(i18n.format_month(month, locale, width), locale) == month


# ---------------------------------------------------------------- filters


def _render(source: str, **values: Any) -> str:
    return templating.render(templating.environment().from_string(source), values)


def test_the_filters_write_in_the_templates_locale() -> None:
    start = parse_start("2027-01-05T08:00", "America/Toronto")
    source = "{{ d|date }} | {{ d|date('weekday') }} | {{ d|time('zone') }} | {{ 45|duration }}"
    assert _render(source, d=start) == "Tuesday 5 January 2027 | Tuesday 5 January | 08:00 EST " \
                                       "| 45 minutes"
    assert _render(source, d=start, locale="es") == (
        "martes, 5 de enero de 2027 | martes, 5 de enero | 8:00 (EST) | 45 minutos")
    assert _render("{{ d|date('short') }} {{ d|date('EEEE') }}", d=DAY, locale="de") == \
        "05.01.27 Dienstag"
    assert _render("[{{ ''|date }}]", locale="fr") == "[]"  # met.on outside the ledger


def test_the_filters_work_in_the_sandbox_on_a_template_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.email.j2"
    path.write_text("Subject: {{ meeting.start_at|date }}\n\n{{ meeting.minutes|duration }}\n")
    values = templating.variables(Person("Ana", "Ruiz"), Sender("Pat Lee"), _meeting())
    text = templating.render(templating.load(path), {**values, "locale": "pt"})
    assert text == "Subject: terça-feira, 5 de janeiro de 2027\n\n45 minutos\n"


# ---------------------------------------------------------------- wording


def test_wording_in_each_language_with_plurals_and_digit_grouping() -> None:
    assert i18n.subject("updated", "Un café", "es") == "Actualizado: Un café"
    assert i18n.subject("cancelled", "Café ?", "fr") == "Annulation : Café ?"
    assert i18n.wording("summary.peer", "es", count=1) == "1 colega"
    assert i18n.wording("summary.peer", "es", count=1200) == "1.200 colegas"
    assert i18n.wording("summary.peer", "en", count=1200) == "1,200 peers"
    assert i18n.wording("change.moved", "de", start="Dienstag") == "verschoben auf Dienstag"
    assert i18n.wording("report.title", "es_MX") == "Plan de red de colegas"  # es_MX → es


def test_calendar_titles_and_rhythms_per_language() -> None:
    names = ["Zoë Ødegård", "Pat Lee"]
    assert i18n.calendar_title("coffee", names, "en") == "Peer coffee: Zoë Ødegård & Pat Lee"
    assert i18n.calendar_title("forum", ["Pat Lee"], "fr") == "Cercle de pairs : Pat Lee"
    assert i18n.calendar_title("rotation", [], "de") == "Kaffeerunde unter Kollegen"
    assert i18n.every_text(35, "es") == "cada cinco semanas"
    assert i18n.every_text(7, "pt") == "toda semana"
    assert i18n.forum_rule_text(1, "1TH", "de") == "jeden Monat am ersten Donnerstag"
    assert i18n.forum_rule_text(3, "-1TU", "fr") == "tous les trois mois, le dernier mardi"
    assert i18n.forum_rule_text(1, "1TU", "en") == "every month on the first Tuesday"


def test_a_value_with_braces_stays_text() -> None:
    assert i18n.wording("change.place", "en", place="{0} {count}") == "now at {0} {count}"


def _keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in table.items():
        if isinstance(value, dict) and not {"one", "other"} & set(value):
            keys |= _keys(value, f"{prefix}{key}.")
        else:
            keys.add(prefix + key)
    return keys


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_language_words_everything_english_does(lang: str) -> None:
    english = _keys(tomllib.loads((WORDING_DIR / "en.toml").read_text(encoding="utf-8")))
    theirs = _keys(tomllib.loads((WORDING_DIR / f"{lang}.toml").read_text(encoding="utf-8")))
    optional = {k for k in english if k.startswith(("formats.date_", "formats.time_short"))}
    assert english - optional - theirs == set()
    assert theirs - english == set()


# ---------------------------------------------------------------- template lookup


def test_the_users_folder_then_the_builtins_language_then_english(tmp_path: Path) -> None:
    name = "invite.email.j2"
    assert i18n.template_path(name, "en", None) == BUILTIN_DIR / name
    assert i18n.template_path(name, "es_ES", None) == BUILTIN_DIR / "es" / name
    assert i18n.template_path(name, "it", None) == BUILTIN_DIR / name
    assert i18n.template_path(name, "es", tmp_path) == BUILTIN_DIR / "es" / name
    (tmp_path / name).write_text("mine")
    assert i18n.template_path(name, "es", tmp_path) == tmp_path / name
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / name).write_text("mine, in Spanish")
    assert i18n.template_path(name, "es_ES", tmp_path) == tmp_path / "es" / name
    (tmp_path / "es_ES").mkdir()
    (tmp_path / "es_ES" / name).write_text("mine, from Spain")
    assert i18n.template_path(name, "es_ES", tmp_path) == tmp_path / "es_ES" / name
    assert i18n.template_path(name, "fr", tmp_path) == tmp_path / name


def test_a_template_nowhere_is_an_error_naming_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(OutreachError) as caught:
        i18n.template_path("kickoff.email.j2", "de", tmp_path)
    assert caught.value.field == "template"
    assert str(tmp_path / "de" / "kickoff.email.j2") in str(caught.value)


# ---------------------------------------------------------------- built-in templates


def _meeting() -> Meeting:
    return Meeting(parse_start("2027-01-05T08:00", "America/Toronto"), parse_span("45m"),
                   location="Café Olimpico")


def _series(kind: str, locale: str) -> dict[str, Any]:
    starts = [parse_start("2027-01-05T08:00", "America/Toronto") + timedelta(weeks=5 * i)
              for i in range(6 if kind != "coffee" else 1)]
    every = (i18n.forum_rule_text(1, "1TU", locale) if kind == "forum"
             else i18n.every_text(35, locale))
    return {"kind": kind, "every": every, "first": i18n.format_day(starts[0], locale, "weekday"),
            "count": len(starts), "count_words": i18n.number_word(len(starts), locale),
            "until": i18n.format_day(starts[-1], locale, "long")}


def _invitation(kind: str, locale: str) -> dict[str, str]:
    """``invitation.*`` of a follow-up (``followups.invitation_values``), in the locale."""
    series = _series(kind, locale)
    return {"series": kind, "proposed": i18n.format_when(_meeting().start, locale),
            "minutes": "45", "every": series["every"] if kind != "coffee" else "",
            "count": str(series["count"]), "place": "Café Olimpico", "until": series["until"]}


def _variations(name: str, locale: str) -> list[dict[str, Any]]:
    """The English templates' test values (test_emails' peer and sender), each branch once."""
    person = Person("Zoë", "Ødegård", email="zoe@example.org", company="Nordlys AS",
                    position="VP Marketing")
    senders = [Sender(name="Pat Lee", email="pat@example.com", title="VP Marketing",
                      company="Acme"), Sender(name="Pat Lee", email="pat@example.com")]
    met = templating.MetVars(on=DAY, note="private", card="Nordlys AS!", place="Café Olimpico",
                             series="rotation")
    start = _meeting().start
    change = i18n.wording("change.moved", locale, start=i18n.format_when(start, locale, zone=True))
    runs = []
    for kind, sender in itertools.product(("coffee", "rotation", "forum"), senders):
        for meeting in (_meeting(), None):
            for attached in (True, False):
                values = templating.variables(person, sender, meeting, today=DAY, met=met)
                values.update(locale=locale, invite_attached=attached, signature="Pat",
                              original_subject="Un café", change=change)
                if name.endswith(".ics.j2"):
                    if meeting is None:
                        continue
                    values.update(series=kind, every=_series(kind, locale)["every"],
                                  until=_series(kind, locale)["until"],
                                  peers=["Zoë Ødegård", "Kim Park"] if kind == "forum" else [])
                else:
                    values["series"] = _series(kind, locale)
                if name.startswith("followup"):
                    runs.append({**values, "invitation": _invitation(kind, locale)})
                runs.append(values)
    return runs


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_english_template_has_its_translation(lang: str) -> None:
    assert sorted(p.name for p in (BUILTIN_DIR / lang).glob("*.j2")) == TEMPLATES


def _undeclared(path: Path) -> set[str]:
    env = templating.environment()
    return meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("name", TEMPLATES)
def test_a_translation_uses_only_the_english_templates_variables(lang: str, name: str) -> None:
    assert _undeclared(BUILTIN_DIR / lang / name) <= _undeclared(BUILTIN_DIR / name) | {"locale"}


def _glued(text: str) -> list[str]:
    """Sentences that end a paragraph but run straight into the next line (a block tag at
    the end of a line eats its newline: ``{% endif +%}`` keeps it)."""
    lines = text.splitlines()
    return [line for line, after in itertools.pairwise(lines)
            if line.rstrip().endswith((".", "?", "!")) and after.strip()
            and not after.lstrip().startswith("- ")]


_DATED = ("invite.email.j2", "followup.email.j2", "forum.email.j2")  # they name the day


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_builtin_template_renders_strictly_in_its_language(lang: str, name: str) -> None:
    path = i18n.template_path(name, lang, None)
    template = templating.load(path)
    assert isinstance(template.environment.undefined, type)
    assert issubclass(template.environment.undefined, jinja2.StrictUndefined)
    for values in _variations(name, lang):
        text = templating.render(template, values)
        assert "Zoë" in text or "Pat" in text, (name, text)
        assert "{{" not in text and "{%" not in text
        if name.endswith(".email.j2"):
            headers, body = templating.split_headers(text)
            assert headers.get("Subject") and body.strip(), (name, text)
        if lang == "en":
            continue
        assert _glued(text) == [], (lang, name, text)
        assert re.search(r"[.!?] [a-zß-ÿ]|, [A-ZÀ-Þ][a-zß-ÿ]+ [a-zß-ÿ]", text) is None, text
        lowered = text.lower()
        found = [w for w in ENGLISH_WORDS if w in lowered] + (["Hi "] if "Hi " in text else [])
        assert found == [], (lang, name, found, text)
        if "invitation" in values:
            assert values["invitation"]["proposed"] in text, (name, text)
        elif "meeting" in values and name in _DATED:
            assert f"**{i18n.format_day(_meeting().start, lang)}" in text, (name, text)


def test_the_meeting_strings_follow_the_locale() -> None:
    english = templating.meeting_vars(_meeting())
    spanish = i18n.localized_meeting(english, "es")
    assert spanish.start == "martes, 5 de enero de 2027, a las 8:00 (EST)"
    assert (spanish.date, spanish.time, spanish.end) == ("martes, 5 de enero", "8:00", "8:45 (EST)")
    assert spanish.duration == "45 minutos"
    assert spanish.part_of_day == "a primera hora, antes de que se complique el día"
    assert (spanish.location, spanish.start_at, spanish.minutes) == (
        english.location, english.start_at, english.minutes)
    assert i18n.localized_meeting(english, "en") == english  # English reads as it always did
