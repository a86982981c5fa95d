"""The commands in the user's language and with the user's own templates (issue 20)."""

from __future__ import annotations

import csv
import email
import email.policy
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
ARGS = ["--start", "2027-01-05T08:00", "--tz", "Europe/Madrid", "--no-preview"]
ENGLISH = ("coffee", "tuesday", "january", "meeting", "hi", "thanks", "updated", "cancelled",
           "every", "weeks")


def campaign(folder: Path, *extra: str, env: dict[str, str] | None = None) -> Path:
    out = folder / "out"
    result = CliRunner().invoke(cli, ["campaign", str(EXPORT), "--out", str(out),
                                      "--ledger", str(folder / "l.db"), *ARGS, *extra], env=env)
    assert result.exit_code == 0, result.output
    return out


def delivered(out: Path) -> list[tuple[str, str, list[str]]]:
    """Each e-mail's subject, text part and calendar SUMMARY/DESCRIPTION lines (unfolded)."""
    found = []
    for path in sorted((out / "emails").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        calendar = [part.get_content() for part in message.walk()
                    if part.get_content_type() == "text/calendar"]
        lines = [line for line in "".join(calendar).replace("\r\n ", "").splitlines()
                 if line.startswith(("SUMMARY", "DESCRIPTION:")) and "Reminder" not in line]
        found.append((str(message["Subject"]), text, lines))
    return found


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w in ENGLISH}


def test_a_spanish_template_in_the_working_folder_is_used_by_campaign(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "invite.email.j2").write_text(
        "Subject: ¿Un café, {{ first_name }}?\n\nHola, {{ first_name }}: ¿nos vemos el "
        "{{ meeting.start_at|date('weekday') }}?\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = campaign(tmp_path, "--locale", "en")
    subjects = {subject for subject, _text, _ics in delivered(out)}
    assert "¿Un café, Ana?" in subjects
    assert "Coffee and compare notes, Ana?" not in subjects
    ana = next(text for subject, text, _ in delivered(out) if subject == "¿Un café, Ana?")
    assert "Hola, Ana: ¿nos vemos el Tuesday 5 January?" in ana  # no locale: English dates
    forum = [subject for subject in subjects if "Ana" not in subject and "James" not in subject]
    assert forum and all("¿Un café" not in s for s in forum)  # forum.email.j2: the built-in


def test_templates_option_names_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "es").mkdir(parents=True)
    (folder / "es" / "invite.linkedin.j2").write_text("Nota para {{ first_name }}\n",
                                                      encoding="utf-8")
    out = campaign(tmp_path, "--templates", str(folder), "--locale", "es")
    with (out / "linkedin.csv").open(encoding="utf-8-sig") as notes:
        messages = [row["Message"] for row in csv.DictReader(notes, delimiter=";")]  # es: Excel's ;
    assert "Nota para Marcus" in messages  # the user's es/ note; the forum's stays built in
    assert any(m.startswith("Hola, ") and "foro" in m for m in messages)


def test_outreach_locale_es_writes_a_campaign_without_english(tmp_path: Path) -> None:
    out = campaign(tmp_path, env={"OUTREACH_LOCALE": "es"})
    messages = delivered(out)
    assert len(messages) == 3
    for subject, text, ics in messages:
        said = "\n".join([subject, text, *ics])
        assert not english_words(said), (english_words(said), said)
    ana = next(text for subject, text, _ in messages if "Ana" in subject)
    assert "martes, 5 de enero" in ana
    with (out / "linkedin.csv").open(encoding="utf-8-sig") as notes:
        for row in csv.DictReader(notes, delimiter=";"):
            assert not english_words(row["Message"]), row["Message"]
    summaries = [line for _s, _t, ics in messages for line in ics if line.startswith("SUMMARY")]
    assert "SUMMARY:Ronda de cafés entre colegas: Ana García y Dana Whitfield" in summaries
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Calendario</h2>" in report and "<h3>enero de 2027</h3>" in report
    assert '<th scope="col">mar</th>' in report
    for english in ("Peer network plan", ">Calendar<", "January", ">Tue<", "peers found",
                    "Peers for", "at other companies", "Life cycle", "<th>Next step</th>"):
        assert english not in report, english


def test_the_report_opens_and_heads_its_life_cycle_in_the_locale(tmp_path: Path) -> None:
    report = (campaign(tmp_path, env={"OUTREACH_LOCALE": "es"}) / "report.html").read_text(
        encoding="utf-8")
    assert re.search(r'<p class="lede">Colegas con el cargo <b>[^<]+</b> \(función [^,]+, '
                     r"nivel [^)]+\), en otras empresas\.", report), report[:3000]
    assert "<h2>Ciclo de vida: en qué punto está cada persona</h2>" in report
    assert "<th>Quién</th><th>Estado</th><th>Avisada</th><th>Respondió</th>" \
        "<th>Siguiente paso</th><th>Cuándo</th>" in report


def test_config_locale_and_templates_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "plantillas"
    mine.mkdir()
    (mine / "forum.email.j2").write_text("Subject: Foro, {{ first_name }}\n\nHola\n",
                                         encoding="utf-8")
    (tmp_path / "outreach.toml").write_text(
        f'[language]\nlocale = "fr"\n\n[templates]\ndir = "{mine.as_posix()}"\n',
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    subjects = {s for s, _t, _i in delivered(campaign(tmp_path))}
    assert "Foro, Katarzyna" in subjects
    assert any("Ana" in s and "café" in s.lower() for s in subjects), subjects  # French


def test_an_unknown_locale_is_one_line_naming_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["campaign", str(EXPORT), "--out", str(tmp_path / "o"),
                                      "--locale", "klingon", *ARGS])
    assert result.exit_code == 2
    assert "--locale" in result.output and "klingon" in result.output
    assert "Traceback" not in result.output


def test_followups_say_what_the_invitation_proposed_in_the_locale() -> None:
    from outreach.followups import invitation_values

    facts = {"start": "2027-02-04T08:00:00+01:00", "tz": "Europe/Madrid", "minutes": 90,
             "every": "every month on the first Thursday", "until": "2028-01-06T08:00:00+01:00"}
    said = invitation_values("forum", facts, "es")
    assert said["proposed"] == "jueves, 4 de febrero, a las 8:00"
    assert said["every"] == "cada mes, el primer jueves"
    assert said["until"] == "6 de enero de 2028"
    assert invitation_values("forum", facts)["every"] == "every month on the first Thursday"


def test_outreach_locale_beats_the_config_and_locale_option_beats_both(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "outreach.toml").write_text('[language]\nlocale = "fr"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    subjects = {s for s, _t, _i in delivered(campaign(tmp_path / "a", env={
        "OUTREACH_LOCALE": "es"}))}
    assert "¿Un café para compartir experiencias, Ana?" in subjects
    subjects = {s for s, _t, _i in delivered(campaign(tmp_path / "b", "--locale", "en", env={
        "OUTREACH_LOCALE": "es"}))}
    assert "Coffee and compare notes, Ana?" in subjects


@pytest.mark.parametrize(("locale", "weekday"), [("es", "martes"), ("es", "MIÉRCOLES"),
                                                 ("de", "Donnerstag"), ("en", "friday")])
def test_the_usual_weekday_is_accepted_in_the_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str, weekday: str) -> None:
    (tmp_path / "outreach.toml").write_text(
        f'[language]\nlocale = "{locale}"\n\n[meeting]\nweekday = "{weekday}"\n'
        'time = "08:00"\ntz = "Europe/Madrid"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["campaign", str(EXPORT), "--out", "out", "--ledger",
                                      "l.db", "--no-preview", "--yes"])
    assert result.exit_code == 0, result.output
    first = sorted((tmp_path / "out" / "emails").glob("*.eml"))[0].read_bytes()
    day = {"martes": 1, "MIÉRCOLES": 2, "Donnerstag": 3, "friday": 4}[weekday]
    import icalendar

    calendar = icalendar.Calendar.from_ical((tmp_path / "out" / "calendar" / "rotation.ics")
                                            .read_bytes())
    starts = [e.decoded("DTSTART") for e in calendar.walk("VEVENT")]
    assert starts and {s.weekday() for s in starts} == {day}, first[:0]


def test_a_weekday_in_no_known_language_is_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "outreach.toml").write_text('[language]\nlocale = "es"\n\n[meeting]\n'
                                            'weekday = "lundi"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["campaign", str(EXPORT), "--out", "out"])
    assert result.exit_code == 2
    assert "outreach.toml: [meeting] weekday 'lundi' is not a weekday name" in result.output
    assert "martes" in result.output and "Traceback" not in result.output


def test_emails_write_in_the_locale_with_the_invite_titled_in_it(tmp_path: Path) -> None:
    out = tmp_path / "emails"
    result = CliRunner().invoke(cli, [
        "emails", str(EXPORT), "--out", str(out), "--locale", "de", "--start",
        "2027-01-05T08:00", "--tz", "Europe/Berlin", "--from", "Dana <dana@example.com>",
        "--ledger", str(tmp_path / "l.db")])
    assert result.exit_code == 0, result.output
    first = sorted(out.glob("*.eml"))[0]
    message = email.message_from_bytes(first.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("Hallo ") and "Dienstag, 5. Januar" in text
    calendar = next(p.get_content() for p in message.walk()
                    if p.get_content_type() == "text/calendar").replace("\r\n ", "")
    summary = next(line for line in calendar.splitlines() if line.startswith("SUMMARY"))
    assert "coffee" not in summary.lower() and "Dana" in summary


def test_cards_are_written_in_the_locale(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["cards", str(EXPORT), "--dry-run", "--sign", "Dana",
                                      "--locale", "es"])
    assert result.exit_code == 0, result.output
    assert "Hola, " in result.output and "Gracias por sacar tiempo" in result.output
    assert "Thank you" not in result.output


@pytest.mark.parametrize("command", ["invite", "rotation", "forum"])
def test_calendar_commands_title_and_describe_in_the_locale(tmp_path: Path, command: str) -> None:
    out = tmp_path / ("forum.ics" if command == "forum" else "ics")
    result = CliRunner().invoke(cli, [
        command, str(EXPORT), "--out", str(out), "--locale", "fr", "--start",
        "2027-01-05T08:00", "--tz", "Europe/Paris", "--from", "Dana <dana@example.com>",
        "--ledger", str(tmp_path / "l.db")])
    assert result.exit_code == 0, result.output
    files = [out] if command == "forum" else sorted(out.glob("*.ics"))
    text = files[-1].read_text(encoding="utf-8").replace("\r\n ", "")
    said = [line for line in text.splitlines() if line.startswith(("SUMMARY", "DESCRIPTION:"))
            and "Reminder" not in line]
    assert said and not english_words(" ".join(said)), said


def test_init_writes_the_templates_in_the_locale_and_campaign_reads_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--locale", "es"])
    assert result.exit_code == 0, result.output
    mine = (tmp_path / "templates" / "invite.email.j2").read_text(encoding="utf-8")
    assert "Hola, {{ first_name }}" in mine
    monkeypatch.chdir(tmp_path)
    subjects = {s for s, _t, _i in delivered(campaign(tmp_path, "--locale", "es"))}
    assert "¿Un café para compartir experiencias, Ana?" in subjects


@pytest.mark.parametrize(("subject", "locale", "expected"), [
    ("Coffee?", "en", "Re: Coffee?"),
    ("Re: RE: Coffee?", "en", "Re: Coffee?"),
    ("AW: Re: Kaffee?", "de", "Re: Kaffee?"),
    ("RE : Réf : Un café ?", "fr", "Re : Un café ?"),
    ("RES: Um café?", "pt", "Re: Um café?"),
    ("Rethink: a café?", "es", "Re: Rethink: a café?"),
])
def test_a_followup_subject_has_one_reply_prefix_in_the_locale(
        subject: str, locale: str, expected: str) -> None:
    from outreach.followups import original_subject, reply_subject

    assert reply_subject(subject, locale) == expected
    assert original_subject(subject) == expected.split(": ", 1)[1].lstrip(": ")
