"""outreach.toml: precedence file < environment < option, and `outreach init`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

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
    assert mapping["rotation"]["start"] == "2026-12-01T08:00"  # a Tuesday, a week's lead
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


def run_in(folder: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    """``outreach ARGS`` run from ``folder``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize(("text", "message"), [
    (b"[sender\nname = 1\n",
     "Error: bad.toml: invalid TOML: Expected ']' at the end of a table declaration "
     "(at line 1, column 8)"),
    (b"[meeting]\nweekdy = \"tuesday\"\n",
     "Error: bad.toml: [meeting] weekdy: unknown key; did you mean weekday?"),
    (b"[meetings]\ntz = \"UTC\"\n",
     "Error: bad.toml: [meetings]: unknown section; did you mean [meeting]?"),
    (b"[rotation]\nbananas = 3\n",
     "Error: bad.toml: [rotation] bananas: unknown key; known keys: size, every, months"),
    (b'title = "VP Marketing"\n',
     "Error: bad.toml: title: a key outside any section; did you mean [sender] title?"),
    (b'[rotation]\nsize = "five"\n',
     'Error: bad.toml: [rotation] size: expected an integer, got "five"'),
    (b"[meeting]\nduration = 45\n",
     "Error: bad.toml: [meeting] duration: expected a string, got 45"),
    (b"sender = 3\n", "Error: bad.toml: [sender] must be a table (a [sender] section)"),
    (b'[meeting]\nweekday = "tusday"\n',
     "Error: bad.toml: [meeting] weekday 'tusday' is not a weekday name; "
     "did you mean tuesday?"),
    (b'[meeting]\ntime = "8am"\n', "Error: bad.toml: [meeting] time '8am' is not HH:MM"),
    (b'[sender]\n\nname = "Ren\xe9e"\n',
     "Error: bad.toml: line 3 is not UTF-8 text; save the file as UTF-8"),
    (b'[smtp]\npassword = "hunter2"\n',
     "Error: bad.toml: [smtp] password is not read from files; set OUTREACH_SMTP_PASSWORD"),
])
def test_every_config_error_exits_2_naming_the_file_read(tmp_path: Path, text: bytes,
                                                         message: str) -> None:
    (tmp_path / "bad.toml").write_bytes(text)
    result = run_in(tmp_path, "--config", "bad.toml", "peers", str(EXPORT.resolve()))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "outreach.toml" not in result.output
    assert "hunter2" not in result.output


def test_a_config_error_names_the_found_file_too(tmp_path: Path) -> None:
    (tmp_path / "outreach.toml").write_text("[cards]\nsheets = 'a4'\n")
    result = run_in(tmp_path, "peers", str(EXPORT.resolve()))
    assert result.exit_code == 2
    assert "Error: outreach.toml: [cards] sheets: unknown key; did you mean sheet?" in result.output


def test_a_missing_config_file_is_an_error(tmp_path: Path) -> None:
    result = run_in(tmp_path, "--config", "nowhere.toml", "peers", str(EXPORT.resolve()))
    assert result.exit_code == 2
    assert "Error: nowhere.toml: config file not found" in result.output


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    (tmp_path / "outreach.toml").write_bytes(b'\xef\xbb\xbf[sender]\ntitle = "VP Marketing"\n'
                                             b'company = "Acme"\n')
    assert "3 peers for 'VP Marketing'" in peers_heading(tmp_path)


# ---------------------------------------------------------------- where the file is looked up


def write_user_config(text: str) -> Path:
    path = config.user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_user_config_is_read_where_the_folder_has_none(tmp_path: Path) -> None:
    write_user_config('[sender]\ntitle = "VP Marketing"\ncompany = "Acme"\n')
    assert "3 peers for 'VP Marketing'" in peers_heading(tmp_path)
    assert "outside Acme" in peers_heading(tmp_path)


def test_the_folders_config_beats_the_users(tmp_path: Path) -> None:
    write_user_config('[sender]\ntitle = "VP Marketing"\ncompany = "Acme"\n')
    (tmp_path / "outreach.toml").write_text('[sender]\ntitle = "VP Marketing"\n'
                                            'company = "Initech"\n')
    assert "outside Initech" in peers_heading(tmp_path)


def test_config_option_and_environment_beat_both(tmp_path: Path) -> None:
    write_user_config('[sender]\ntitle = "VP Marketing"\ncompany = "Acme"\n')
    (tmp_path / "outreach.toml").write_text('[sender]\ntitle = "VP Marketing"\n'
                                            'company = "Initech"\n')
    (tmp_path / "other.toml").write_text('[sender]\ntitle = "VP Marketing"\ncompany = "Hooli"\n')
    assert "outside Hooli" in peers_heading(tmp_path, env={"OUTREACH_CONFIG": "other.toml"})
    result = run_in(tmp_path, "--config", "other.toml", "peers", str(EXPORT.resolve()))
    assert "outside Hooli" in result.output


def test_a_bad_user_config_names_its_full_path(tmp_path: Path) -> None:
    path = write_user_config("[sender]\nnmae = 'Dana'\n")
    result = run_in(tmp_path, "peers", str(EXPORT.resolve()))
    assert result.exit_code == 2
    assert f"Error: {path}: [sender] nmae: unknown key; did you mean name?" in result.output


def test_init_user_writes_the_starter_into_the_user_config_folder(tmp_path: Path) -> None:
    result = run_in(tmp_path, "init", "--user")
    assert result.exit_code == 0, result.output
    path = config.user_config_path()
    assert result.output == f"wrote {path}\n"
    assert path.read_bytes() == config.STARTER.read_bytes()
    assert not (tmp_path / "outreach.toml").exists()
    assert "already there" in run_in(tmp_path, "init", "--user").output
    assert run_in(tmp_path, "init", "--user", "--force").output == f"wrote {path}\n"
    both = run_in(tmp_path, "init", "--user", "elsewhere")
    assert both.exit_code == 2 and "FOLDER or --user, not both" in both.output


# ---------------------------------------------------------------- one schema: the starter file


class Recording(dict):  # type: ignore[type-arg]
    """A dict that notes every key asked for with ``get``."""

    def __init__(self, values: dict[str, Any], asked: set[str], prefix: str = "") -> None:
        super().__init__({k: Recording(v, asked, f"{k}.") if isinstance(v, dict) else v
                          for k, v in values.items()})
        self.asked, self.prefix = asked, prefix

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(self.prefix + key)
        return super().get(key, default)


def test_default_map_reads_only_keys_the_starter_file_has() -> None:
    asked: set[str] = set()
    starter = config.load(config.STARTER)
    config.default_map(Recording(starter, asked))
    known = {f"{s}.{k}" for s, keys in config.known_keys().items() for k in keys}
    assert {key for key in asked if "." in key} <= known
    assert {key.split(".")[0] for key in known} == set(starter)


def test_every_key_of_the_starter_file_sets_some_option() -> None:
    """No key in outreach.toml is dead: each one, set alone, reaches a real option."""
    samples: dict[type, Any] = {str: "x", int: 3, list: [8]}
    options = {name: {p.name for p in command.params}
               for name, command in cli.commands.items()}
    for section, keys in config.known_keys().items():
        for key, kind in keys.items():
            value = {"weekday": "friday", "time": "09:30", "tz": "Asia/Tokyo",
                     "lead": "3d"}.get(key, samples[kind])
            if (section, key) == ("language", "locale"):  # weighed after $OUTREACH_LOCALE
                assert config.locale_of({section: {key: "es"}}) == "es"
                continue
            if section == "meeting" and key in ("weekday", "time"):
                table = {"weekday": "friday", "time": "09:30"}
            else:
                table = {key: value}
            mapping = config.default_map({section: table}, today=date(2026, 11, 23))
            reached = [(command, option) for command, values in mapping.items()
                       for option in values if option in options.get(command, set())]
            assert reached, f"[{section}] {key} sets no option of any command"


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
     ["campaign", str(EXPORT.resolve()), "--start", "2027-01-05T08:00", "--yes",
      "--rotation-size"],  # 3 on the command line asks for --yes; outreach.toml and env not
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
