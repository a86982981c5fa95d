"""outreach.toml: precedence file < environment < option, and `outreach init`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach import config
from outreach.cli import cli
from outreach.errors import OutreachError

EXPORT = Path(__file__).parent / "data" / "exports" / "connections_2024.csv"


def peers_heading(cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run `outreach peers` from ``cwd`` (which holds an outreach.toml)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = CliRunner().invoke(cli, ["peers", str(EXPORT.resolve())], env=env,
                                    auto_envvar_prefix="OUTREACH")
    assert result.exit_code == 0, result.output
    return result.output


def test_starter_config_parses_and_maps() -> None:
    mapping = config.default_map(config.load(config.STARTER), today=date(2026, 11, 23))
    assert mapping["rotation"]["size"] == 5
    assert mapping["rotation"]["start"] == "2026-11-24T08:00"  # next Tuesday
    assert mapping["send"]["security"] == "starttls"


def test_file_sets_defaults(tmp_path: Path) -> None:
    (tmp_path / "outreach.toml").write_text('[sender]\ntitle = "VP Marketing"\ncompany = "Acme"\n')
    out = peers_heading(tmp_path)
    assert "3 peers for 'VP Marketing'" in out


def test_environment_beats_file(tmp_path: Path) -> None:
    (tmp_path / "outreach.toml").write_text('[sender]\ntitle = "VP Marketing"\ncompany = "Acme"\n')
    out = peers_heading(tmp_path, env={"OUTREACH_PEERS_COMPANY": "Initech"})
    assert "outside Initech" in out


def test_option_beats_environment_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text('[sender]\ntitle = "VP Marketing"\ncompany = "Acme"\n')
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--config", str(cfg), "peers", str(EXPORT), "--company", "Hooli"],
        env={"OUTREACH_PEERS_COMPANY": "Initech"}, auto_envvar_prefix="OUTREACH")
    assert result.exit_code == 0, result.output
    assert "outside Hooli" in result.output


def test_password_in_config_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "outreach.toml"
    cfg.write_text('[smtp]\npassword = "hunter2"\n')
    with pytest.raises(OutreachError, match="OUTREACH_SMTP_PASSWORD"):
        config.default_map(config.load(cfg))


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "outreach.toml"
    cfg.write_text("[sender\nname = 1\n")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "peers", str(EXPORT)])
    assert result.exit_code == 1
    assert "outreach.toml: invalid TOML" in result.output


def test_init_writes_config_and_templates_once(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outreach.toml").read_text().startswith("# outreach.toml")
    assert list((tmp_path / "templates").glob("*.j2"))
    again = runner.invoke(cli, ["init", str(tmp_path)])
    assert "already there" in again.output


def test_usual_slot_from_the_file_does_not_attach_an_invite(tmp_path: Path) -> None:
    (tmp_path / "outreach.toml").write_text(
        '[sender]\nname = "Pat Lee"\nemail = "pat@example.com"\ntitle = "VP Marketing"\n'
        'company = "Acme"\n[meeting]\ntz = "America/Toronto"\nweekday = "tuesday"\n'
        'time = "08:00"\nlocation = "Café Olimpico"\n')

    def calendar_parts(*extra: str) -> int:
        out = tmp_path / f"out{len(extra)}"
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            result = CliRunner().invoke(cli, ["emails", str(EXPORT.resolve()), "--out", str(out),
                                              "-t", "thanks.email.j2", *extra],
                                        auto_envvar_prefix="OUTREACH")
        assert result.exit_code == 0, result.output
        return sum(p.read_bytes().count(b"Content-Type: text/calendar")
                   for p in out.glob("*.eml"))

    assert calendar_parts() == 0  # a thank-you never carries next Tuesday's invitation
    assert calendar_parts("--invite") > 0
    assert calendar_parts("--start", "2027-01-05T08:00") > 0


def test_a_sender_name_with_a_comma_survives_the_file(tmp_path: Path) -> None:
    (tmp_path / "outreach.toml").write_text(
        '[sender]\nname = "Dana Whitfield, Jr."\nemail = "dana@example.com"\n'
        'title = "VP Marketing"\ncompany = "Acme"\n')
    out = tmp_path / "invites"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        result = CliRunner().invoke(cli, ["invite", str(EXPORT.resolve()), "--start",
                                          "2027-01-05T08:00", "--out", str(out)])
    assert result.exit_code == 0, result.output
    ics = next(out.glob("*.ics")).read_text(encoding="utf-8")
    assert 'CN="Dana Whitfield, Jr.":mailto:dana@example.com' in ics.replace("\r\n ", "")


SENDER = ('[sender]\nname = "Pat Lee"\nemail = "pat@example.com"\ntitle = "VP Marketing"\n'
          'company = "Acme"\n')
ROTATION = ["rotation", str(EXPORT.resolve()), "--start", "2027-01-05T08:00"]


@pytest.mark.parametrize(("section", "env", "option", "values", "shown"), [
    # values: (env value, option value); shown: what the output says for file, env, option
    ("[rotation]\nsize = 1\n", "OUTREACH_ROTATION_SIZE", [*ROTATION, "--size"], ("2", "3"),
     ["Rotation: 1 peer", "Rotation: 2 peer", "Rotation: 3 peer"]),
    ("[rotation]\nsize = 1\n", "OUTREACH_CAMPAIGN_ROTATION_SIZE",
     ["campaign", str(EXPORT.resolve()), "--start", "2027-01-05T08:00", "--rotation-size"],
     ("2", "3"), ["1 in the rotation", "2 in the rotation", "3 in the rotation"]),
    ('[meeting]\ntz = "Asia/Tokyo"\n', "OUTREACH_ROTATION_TZ", [*ROTATION, "--tz"],
     ("Europe/Paris", "America/Toronto"), ["08:00 JST", "08:00 CET", "08:00 EST"]),
])
def test_precedence_file_env_option_for_more_commands(
        tmp_path: Path, section: str, env: str, option: list[str], values: tuple[str, str],
        shown: list[str]) -> None:
    """The same order for every command: outreach.toml < OUTREACH_* < the option."""
    (tmp_path / "outreach.toml").write_text(SENDER + section)

    def output(*extra: str, environ: dict[str, str] | None = None) -> str:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            argv = [*option[:-1], "--out", str(tmp_path / "out"), *extra]
            result = CliRunner().invoke(cli, argv, env=environ, auto_envvar_prefix="OUTREACH")
        assert result.exit_code == 0, result.output
        return result.output

    env_value, option_value = values
    assert shown[0] in output()
    assert shown[1] in output(environ={env: env_value})
    assert shown[2] in output(option[-1], option_value, environ={env: env_value})


def test_the_forum_keeps_its_own_session_length(tmp_path: Path) -> None:
    """[meeting] duration is the coffee's; the forum's is [forum] duration (default 90m)."""
    (tmp_path / "outreach.toml").write_text(SENDER + '[meeting]\nduration = "45m"\n')

    def session_minutes() -> int:
        import icalendar

        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            result = CliRunner().invoke(cli, ["forum", str(EXPORT.resolve()), "--start",
                                              "2027-01-05T08:00", "--out", "forum.ics"])
        assert result.exit_code == 0, result.output
        event = icalendar.Calendar.from_ical((tmp_path / "forum.ics").read_bytes()).walk(
            "VEVENT")[0]
        return int((event["DTEND"].dt - event["DTSTART"].dt).total_seconds() // 60)

    assert session_minutes() == 90
    (tmp_path / "outreach.toml").write_text(SENDER + '[forum]\nduration = "2h"\n')
    assert session_minutes() == 120
