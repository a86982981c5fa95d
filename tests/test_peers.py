"""Peers: same function and level, other companies, with a reason for every match."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach.cli import cli
from outreach.errors import OutreachError
from outreach.peers import PeerQuery, company_key, load_people

EXPORTS = Path(__file__).parent / "data" / "exports"
SAMPLE_ZIP = (Path(__file__).resolve().parent.parent / "sample_data"
              / "Basic_LinkedInDataExport_11-20-2026.zip")


@pytest.mark.parametrize(("a", "b"), [
    ("Acme Inc.", "ACME"), ("Globex, Inc.", "Globex"), ("The Bluth Company", "Bluth"),
    ("Fabrikam GmbH", "fabrikam"),
])
def test_company_names_compare_normalised(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)


def test_northwind_traders_is_not_northwind_analytics() -> None:
    assert company_key("Northwind Traders") != company_key("Northwind Analytics Inc.")


def test_peers_match_function_and_level_at_other_companies() -> None:
    selection = load_people(EXPORTS / "connections_2024.csv",
                            PeerQuery(title="VP Marketing", company="Acme"))
    found = {p.full_name: p for p in selection.people}
    assert set(found) == {"Ana Souza", "Ben Okafor", "Zoë Ødegård"}  # not Chloé (Acme Inc.)
    assert found["Ana Souza"].reason == (
        "VP Marketing ~ Vice President, Global Marketing: function=marketing, level=vp; "
        "score 0.90 = match 0.50 + specialty 0.30 + new company 0.05 + connected recently 0.05")
    assert selection.people[0].full_name == "Ben Okafor"  # same wording + e-mail ranks first
    assert "e-mail 0.10" in found["Ben Okafor"].reason  # the address's share is said


def _specialty(query: str, position: str) -> float:
    from outreach.peers import _Scorer
    from outreach.titles import classify

    parts = dict(_Scorer(classify(query), None, None).parts(
        position, "f", "l", "", False, None))
    return parts.get("specialty", 0.0)


@pytest.mark.parametrize(("query", "same", "less"), [
    ("VP Marketing", "Vice President, Marketing", "EVP Marketing"),
    ("Director of Enterprise PMO", "Director, Enterprise PMO", "PMO Director"),
    ("Head of Data", "Head of Data", "Head of Data Engineering"),
])
def test_equivalent_spellings_score_the_same_and_subsets_less(query: str, same: str,
                                                              less: str) -> None:
    assert _specialty(query, same) == _specialty(query, query) == 0.30
    assert _specialty(query, less) < 0.30


def test_score_is_the_sum_of_its_named_parts() -> None:
    selection = load_people(EXPORTS / "connections_2024.csv",
                            PeerQuery(title="VP Marketing", company="Acme"))
    for person in selection.people:
        shown = person.reason.split(" = ", 1)[1]
        total = sum(float(part.rsplit(" ", 1)[1]) for part in shown.split(" + "))
        assert abs(total - person.score) < 0.006, person.reason


def test_companies_already_in_the_plan_get_no_new_company_part() -> None:
    import pandas as pd

    from outreach.peers import find_peers

    frame = pd.DataFrame({
        "first_name": ["A", "B"], "last_name": ["X", "Y"], "email": ["", ""],
        "company": ["Globex", "Initech"], "position": ["VP Marketing", "VP Marketing"],
        "connected_on": [None, None], "function": ["marketing"] * 2, "level": ["vp"] * 2,
    })
    peers, _ = find_peers(frame, "VP Marketing", planned=["Globex Inc."])
    assert list(peers["first_name"]) == ["B", "A"]
    assert "new company" not in peers["reason"][1]


def test_spread_across_companies_alternates_companies() -> None:
    from dataclasses import dataclass

    from outreach.peers import spread_across_companies

    @dataclass
    class P:
        name: str
        company: str

    people = [P("a1", "Acme"), P("a2", "ACME Inc."), P("b1", "Globex"), P("a3", "Acme"),
              P("c1", "Initech")]
    order = [p.name for p in spread_across_companies(people)]
    assert order == ["a1", "b1", "c1", "a2", "a3"]
    companies = [company_key(p.company) for p in spread_across_companies(people)]
    assert all(x != y for x, y in itertools.pairwise(companies[:4]))
    assert spread_across_companies([]) == []


def test_include_own_company_and_levels() -> None:
    selection = load_people(EXPORTS / "connections_2024.csv", PeerQuery(
        title="VP Marketing", company="Acme", include_own_company=True, levels=["vp", "director"]))
    assert {"Chloé Dubois", "Dev Patel"} <= {p.full_name for p in selection.people}


def test_unknown_level_value_is_a_clear_error() -> None:
    with pytest.raises(OutreachError, match=r"^levels: unknown value.*boss"):
        load_people(EXPORTS / "connections_2024.csv",
                    PeerQuery(title="VP Marketing", levels=["boss"]))


def test_defaults_come_from_the_export_profile() -> None:
    selection = load_people(SAMPLE_ZIP, PeerQuery())
    assert selection.title == "VP Marketing"
    assert len(selection.people) >= 20
    assert all(p.function == "marketing" and p.level == "vp" for p in selection.people)
    assert not any("northwind analytics" in p.company.lower() for p in selection.people)
    assert selection.sender.email == "dana.whitfield@example.com"


def test_cli_peers_csv_to_stdout_round_trips_as_input(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["peers", str(SAMPLE_ZIP), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:9] == ["First Name", "Last Name", "URL", "Email Address", "Company",
                           "Position", "Connected On", "function", "level"]
    assert rows[0][9:11] == ["score", "reason"]
    peers_csv = tmp_path / "peers.csv"
    peers_csv.write_text(result.stdout, encoding="utf-8")
    again = load_people(peers_csv, PeerQuery())
    assert [p.full_name for p in again.people] == [f"{r[0]} {r[1]}".strip() for r in rows[1:]]
    listed = runner.invoke(cli, ["peers", str(peers_csv)])
    assert listed.exit_code == 0, listed.output
    assert f"{len(rows) - 1} peers from peers.csv" in listed.output


def test_cli_peers_table_groups_by_company_and_counts() -> None:
    result = CliRunner().invoke(cli, ["peers", str(EXPORTS / "connections_2024.csv"),
                                      "--title", "VP Marketing", "--company", "Acme"])
    assert result.exit_code == 0, result.output
    assert "3 peers for 'VP Marketing'" in result.output
    assert "Globex, Inc." in result.output
    header = next(line for line in result.output.splitlines() if "Company" in line)
    assert "Level" not in header  # every peer is a vp: the title says so


def test_cli_peers_table_shows_the_level_when_the_search_widens_it() -> None:
    result = CliRunner().invoke(cli, ["peers", str(EXPORTS / "connections_2024.csv"),
                                      "--title", "VP Marketing", "--company", "Acme",
                                      "--levels", "vp,director,manager,cxo"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "Company" in line)
    assert "Level" in header and "Function" not in header


def test_cli_without_title_in_a_bare_csv_says_what_to_do() -> None:
    result = CliRunner().invoke(cli, ["peers", str(EXPORTS / "connections_2024.csv")])
    assert result.exit_code == 2
    assert "--title: " in result.output and "no current position" in result.output
    assert "Traceback" not in result.output


def test_cli_connections_json_and_formula_neutralised_csv(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text("First Name,Last Name,Company,Position\n=HYPERLINK(\"x\"),@Bob,+Co,-VP\n")
    runner = CliRunner()
    out = tmp_path / "c.csv"
    result = runner.invoke(cli, ["connections", str(path), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    row = list(csv.reader(out.open(encoding="utf-8")))[1]
    assert row[0].startswith("'=") and row[1] == "'@Bob" and row[4] == "'+Co"
    result = runner.invoke(cli, ["connections", str(path), "--format", "json"])
    assert json.loads(result.stdout)[0]["first_name"] == '=HYPERLINK("x")'


def test_cli_missing_column_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text("First Name,Company\nA,B\n")
    result = CliRunner().invoke(cli, ["connections", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error:")
    assert "Last Name" in result.output and "Position" in result.output


# ------------------------------------------------- issue 22: the right peers in every language

DATA_EXPORT = Path(__file__).parent / "data" / "titles_export_data"
"""Elena Navarro, Head of Data Engineering at Acme in Madrid (she worked at Soylent before);
her connections hold the same job in five languages, its neighbours, and former roles."""


def _peers_csv(*extra: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["peers", str(DATA_EXPORT), "--format", "csv", *extra])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_former_roles_are_never_peers() -> None:
    positions = {row["Position"] for row in _peers_csv()}
    assert not positions & {
        "Former Head of Data Engineering", "Ehemaliger Leiter Data Engineering",
        "Retired Director of Data Engineering", "Head of Data Engineering (until 2023)",
        "Ex-Head of Data Engineering | Open to work"}
    assert "Head of Data Engineering" in positions  # the current one (Dan Wu at Soylent)


def test_csv_all_lists_the_rows_left_out_with_why() -> None:
    rows = _peers_csv_all()
    why = {row["Position"]: row["excluded"] for row in rows if row["excluded"]}
    assert why["Head of Data Engineering (until 2023)"] == (
        "excluded: a former role (ended: 'until 2023')")
    assert why["Retired Director of Data Engineering"].startswith("excluded: a former role")
    assert why["Head of Data Engineering"] == "excluded: works at your company (Acme)"
    assert all(row["Score"] == "0.0" for row in rows if row["excluded"])
    assert rows[-1]["excluded"]  # the rows left out come last


def _peers_csv_all() -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["peers", str(DATA_EXPORT), "--format", "csv-all"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    for row in rows:  # the header keeps LinkedIn's names; our columns are lower case
        row["Score"] = row.get("score", "")
    return rows


def test_a_peers_list_with_the_excluded_rows_reads_back_without_them(tmp_path: Path) -> None:
    listed = tmp_path / "peers.csv"
    result = CliRunner().invoke(cli, ["peers", str(DATA_EXPORT), "--format", "csv-all",
                                      "-o", str(listed)])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["peers", str(listed), "--format", "json"])
    assert again.exit_code == 0, again.output
    names = {f"{p['first_name']} {p['last_name']}" for p in json.loads(again.stdout)}
    assert "Tom Fischer" not in names and "Carla Gómez" not in names
    assert "Lucía Ortega" in names


def test_the_same_job_in_five_languages_ranks_above_the_neighbouring_specialties() -> None:
    score = {row["Position"]: float(row["score"]) for row in _peers_csv()}
    same_job = ["Director de Ingeniería de Datos", "Diretora de Engenharia de Dados",
                "Leiter Data Engineering", "Directrice Data Engineering",
                "データエンジニアリング部長", "数据工程总监"]
    neighbours = ["Head of Data Science", "Head of Data Governance",
                  "Head of Business Intelligence", "Head of Analytics Engineering"]
    assert min(score[p] for p in same_job) > max(score[p] for p in neighbours)
    assert all(p in score for p in neighbours)  # the data family are peers: one function


def test_the_score_is_the_sum_of_the_parts_its_reason_names() -> None:
    for row in _peers_csv():
        shown = row["reason"].split(" = ", 1)[1]
        parts = {name: float(value) for name, value in
                 (part.rsplit(" ", 1) for part in shown.split(" + "))}
        assert abs(sum(parts.values()) - float(row["score"])) < 0.006, row["reason"]
        assert parts["match"] == 0.5


def test_a_past_employer_is_no_new_company() -> None:
    reasons = {row["Company"]: row["reason"] for row in _peers_csv()}
    assert "new company" not in reasons["Soylent"]  # Elena worked there (Positions.csv)
    assert "new company 0.05" in reasons["Zalando"]


def test_a_peer_in_another_country_is_marked_remote_with_the_reason() -> None:
    remote = {row["Position"]: row["remote"] for row in _peers_csv()}
    assert remote["Head of Data Engineering Chile"] == "remote: their title names Chile"
    assert remote["Director de Ingeniería de Datos"] == ""


@pytest.mark.parametrize(("home", "title", "company", "email", "why"), [
    ("es", "Directora de Marketing Chile", "Acme", "", "their title names Chile"),
    ("es", "Head of Sales", "Telefónica Chile", "", "their company names Chile"),
    ("es", "Head of Sales", "Acme", "ana@empresa.cl", "their e-mail address is in Chile"),
    ("es", "VP Sales Spain & Portugal", "Acme", "", ""),
    ("es", "Head of Sales", "Boston Consulting Group", "", ""),
    ("", "Directora de Marketing Chile", "Acme", "", ""),
])
def test_far_away_is_another_country_than_the_users(home: str, title: str, company: str,
                                                    email: str, why: str) -> None:
    from outreach.titles.places import elsewhere

    found = elsewhere(home, title, company, email)
    assert (why in found and found.startswith("remote: ")) if why else found == ""


def test_the_users_country_comes_from_what_they_wrote_or_their_zone() -> None:
    from outreach.titles.places import home_country

    assert home_country("Head of Data", "Acme", "Madrid, Community of Madrid, Spain") == "es"
    assert home_country("Head of Data", "Acme", "", email="x@acme.cl") == "cl"
    assert home_country("Head of Data", "Acme", "", zone="Asia/Tokyo") == "jp"
    assert home_country("Head of Data", "Acme", "") == ""


@pytest.mark.parametrize(("ours", "same", "neighbour"), [
    ("Directora de Marketing", "Director de Marketing", "Directora de Comunicación"),
    ("Director de Marketing", "Dtra. de Marketing", "Head of Communications"),
    ("Leiterin Marketing", "Marketingleiter", "Leiter Kommunikation"),
    ("Head of Data Engineering", "Directeur Ingénierie des Données", "Head of Data Science"),
    ("Head of Data Engineering", "데이터 엔지니어링 이사", "Head of Data Governance"),
])
def test_gendered_abbreviated_and_translated_forms_score_the_same(
        ours: str, same: str, neighbour: str) -> None:
    assert _specialty(ours, same) == _specialty(ours, ours) == 0.30
    assert 0 < _specialty(ours, neighbour) < 0.30


def test_the_feminine_and_masculine_form_of_a_title_rank_alike() -> None:
    assert _specialty("Directora de Marketing", "Director de Marketing") == 0.30
    assert _specialty("Director de Marketing", "Directora de Marketing") == 0.30
    assert _specialty("Diretor de Marketing", "Diretora de Marketing") == 0.30
    assert _specialty("Leiter Marketing", "Leiterin Marketing") == 0.30
    assert _specialty("Dir. Marketing", "Marketing Director") == 0.30


def test_every_specialty_phrase_belongs_to_one_specialty() -> None:
    from outreach.titles import default_vocabulary_for
    from outreach.titles.specialty import Specialties

    table = Specialties(default_vocabulary_for(None))  # raises on a phrase listed twice
    assert len(table.by_phrase) > 300
    assert {table.family(f"specialty:{s.name}") for s in table.by_phrase.values()} >= {
        "data", "marketing", "sales", "finance", "engineering"}


def test_a_remote_peer_is_invited_by_video_and_a_local_one_to_the_cafe(tmp_path: Path) -> None:
    out = tmp_path / "cal"
    result = CliRunner().invoke(cli, [
        "rotation", str(DATA_EXPORT), "--out", str(out), "--ledger", str(tmp_path / "l.sqlite"),
        "--start", "2027-01-05T08:00", "--tz", "Europe/Madrid", "--location", "Café Gijón",
        "--link", "https://meet.example/elena", "--pick", "Pablo Ruiz,Lucía Ortega",
        "--from", "Elena Navarro <elena@acme.example>"])
    assert result.exit_code == 0, result.output
    import icalendar

    def event(name: str) -> icalendar.Event:
        cal = icalendar.Calendar.from_ical((out / f"{name}.ics").read_bytes())
        return next(iter(cal.walk("VEVENT")))

    assert str(event("pablo-ruiz")["LOCATION"]) == "https://meet.example/elena"  # in Chile
    assert "Café Gijón" not in str(event("pablo-ruiz")["DESCRIPTION"])
    assert str(event("lucia-ortega")["LOCATION"]) == "Café Gijón"


@pytest.mark.parametrize(("location", "link", "says"), [
    ("Café Gijón", "", "We meet in person, at Café Gijón."),
    ("", "https://meet.example/f", "We meet by video call, not in person."),
    ("Café Gijón", "https://meet.example/f", "whoever is far away joins by video"),
])
def test_the_forum_invitation_says_whether_it_meets_in_person(location: str, link: str,
                                                              says: str) -> None:
    from outreach.mail.render import RenderOptions, render_messages
    from outreach.model import Meeting, Person, Sender
    from outreach.times import parse_span, parse_start

    meeting = Meeting(parse_start("2027-02-04T08:00", "Europe/Madrid"), parse_span("90m"),
                      location=location, link=link)
    person = Person(first_name="Lucía", last_name="Ortega", email="lucia@example.org",
                    company="Cabify", position="Director de Ingeniería de Datos")
    sender = Sender(name="Elena Navarro", email="elena@acme.example",
                    title="Head of Data Engineering", company="Acme")
    import email
    from email import policy

    rendered = render_messages([person], sender, "forum.email.j2", meeting, RenderOptions())
    message = email.message_from_bytes(rendered.messages[0].data, policy=policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    text = " ".join(body.get_content().split())
    assert says in text
    assert "the same job" not in text
