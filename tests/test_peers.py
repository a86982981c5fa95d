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
