"""Ingest: LinkedIn exports as LinkedIn writes them and as spreadsheets re-save them."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.cli import cli
from outreach.errors import OutreachError
from outreach.ingest import parse_connections, parse_date, read_export
from outreach.peers import PeerQuery, load_people

EXPORTS = Path(__file__).parent / "data" / "exports"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"


def names(frame) -> list[str]:
    return [f"{a} {b}".strip() for a, b in zip(frame.first_name, frame.last_name, strict=True)]


def test_linkedin_2024_export_with_preamble() -> None:
    export = read_export(EXPORTS / "connections_2024.csv")
    frame = export.connections
    assert names(frame) == ["Ana Souza", "Ben Okafor", "Chloé Dubois", "Dev Patel",
                            "Zoë Ødegård", ""]
    assert frame.company[0] == "Globex, Inc."  # quoted comma kept
    assert frame.position[0] == "Vice President, Global Marketing"
    assert frame.position[3] == "Director of Marketing (EMEA)"  # quoted newline folded
    assert frame.email.tolist()[:3] == ["", "ben@example.org", ""]
    assert frame.connected_on[0] == date(2026, 2, 8)
    assert frame.connected_on[4] == date(2024, 6, 30)  # ISO date too
    assert export.stats.duplicates == 1  # same URL with a trailing slash
    assert export.stats.hidden == 1
    assert "1 duplicate dropped" in export.stats.summary()


def test_classification_columns_are_added() -> None:
    frame = read_export(EXPORTS / "connections_2024.csv").connections
    assert frame.function[0] == "marketing"
    assert frame.level[0] == "vp"
    assert frame.level[3] == "director"


def test_old_header_without_url_dedups_by_name_and_company() -> None:
    export = read_export(EXPORTS / "connections_2019.csv")
    assert export.connections.company.tolist() == ["Globex", "Initech"]
    assert export.connections.url.tolist() == ["", ""]
    assert export.stats.duplicates == 1


def test_excel_resave_cp1252_crlf_bom_and_padded_header(tmp_path: Path) -> None:
    text = ('Notes:,,,\r\n"When exporting your connection data, you may notice...",,\r\n,,,\r\n'
            ' First Name , Last Name ,Company,Position, E-mail Address ,Connected On,Notes\r\n'
            'José,Núñez,Société Générale,Directeur Marketing,,11/23/2024,met at SaaStr\r\n')
    path = tmp_path / "Connections.csv"
    path.write_bytes(text.encode("cp1252"))
    frame = read_export(path).connections
    assert names(frame) == ["José Núñez"]
    assert frame.company[0] == "Société Générale"
    assert frame.connected_on[0] == date(2024, 11, 23)
    assert frame["Notes"][0] == "met at SaaStr"  # extra columns are kept

    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\r\n", "\n").encode("utf-8"))
    assert names(read_export(path).connections) == ["José Núñez"]


def test_reordered_columns_and_outlook_style_header(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("Job Title,Company,E-mail Address,Last Name,First Name\n"
                    "CIO,Initech,a@example.org,Lee,Ann\n", encoding="utf-8")
    frame = read_export(path).connections
    assert (frame.first_name[0], frame.position[0]) == ("Ann", "CIO")
    assert frame.email[0] == "a@example.org"
    assert frame.connected_on[0] is None


def test_missing_column_error_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text("First Name,Last Name,Company,Connected On\nA,B,C,01 Jan 2024\n")
    with pytest.raises(OutreachError, match=r"Connections\.csv: header is missing .*Position"):
        read_export(path)


def test_no_header_at_all(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_bytes(b"%PDF-1.4 \x00\x01 binary junk\n")
    with pytest.raises(OutreachError, match="no recognisable header row"):
        read_export(path)


def test_zip_export_reads_profile_and_current_position() -> None:
    export = read_export(SAMPLE / "Basic_LinkedInDataExport_11-20-2026.zip")
    profile = export.profile
    assert (profile.title, profile.company) == ("VP Marketing", "Northwind Analytics")
    assert profile.name == "Dana Whitfield"
    assert profile.email == "dana.whitfield@example.com"
    assert len(export.connections) >= 500


def test_folder_export_and_headline_fallback(tmp_path: Path) -> None:
    (tmp_path / "Connections.csv").write_text(HEADER + "\nA,B,,,Initech,CIO,01 Jan 2024\n")
    (tmp_path / "Profile.csv").write_text(
        "First Name,Last Name,Headline\nSam,Lee,Director of Enterprise PMO at Contoso | Speaker\n")
    profile = read_export(tmp_path).profile
    assert (profile.title, profile.company) == ("Director of Enterprise PMO", "Contoso")


def test_zip_without_connections(tmp_path: Path) -> None:
    path = tmp_path / "Basic_LinkedInDataExport_01-01-2026.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("Profile.csv", "First Name,Last Name\nA,B\n")
    with pytest.raises(OutreachError, match=r"no Connections\.csv in this export"):
        read_export(path)


def test_unterminated_quote_is_an_error_naming_the_line(tmp_path: Path) -> None:
    source = EXPORTS / "connections_unterminated_quote.csv"
    with pytest.raises(OutreachError, match=(
            r"connections_unterminated_quote\.csv: line 7: unterminated quote "
            r"\(the rest of the file would be one field\)")):
        read_export(source)
    out = tmp_path / "connections.csv"
    result = CliRunner().invoke(cli, ["connections", str(source), "--format", "csv",
                                      "-o", str(out)])
    assert result.exit_code == 2
    assert "Error: " in result.output and "line 7: unterminated quote" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # nothing written


def test_quote_closed_only_by_a_later_row_is_an_error(tmp_path: Path) -> None:
    # The stray quote pairs with the opening quote of a later quoted cell: without the check
    # the rows in between become one Company value.
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER + "\nAna,Souza,u1,,Initech,CTO,01 Jan 2024\n"
                    'Carla,Reyes,u2,,"Acme,CIO,01 Jan 2024\n'
                    "Dev,Patel,u3,,Hooli,CFO,01 Jan 2024\n"
                    'Eva,Lind,u4,,"Umbrella, Inc.",Head of HR,01 Jan 2024\n', encoding="utf-8")
    with pytest.raises(OutreachError, match=r"Connections\.csv: line 3: unterminated quote"):
        read_export(path)


def test_quoted_cells_with_newlines_and_commas_are_still_one_field(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER + '\nAna,Souza,u1,,"Acme\nHoldings","VP Sales\nEMEA, APAC, LATAM",'
                    "01 Jan 2024\n"
                    'Ben,Okafor,u2,,Initech,"Director, Marketing\n(EMEA, APAC)",02 Jan 2024\n',
                    encoding="utf-8")
    frame = read_export(path).connections
    assert frame.company.tolist() == ["Acme Holdings", "Initech"]
    assert frame.position.tolist() == ["VP Sales EMEA, APAC, LATAM",
                                       "Director, Marketing (EMEA, APAC)"]


def test_semicolon_file_from_a_european_excel_is_read() -> None:
    frame = read_export(EXPORTS / "connections_semicolon.csv").connections
    assert names(frame) == ["José Núñez", "Zoë Ødegård"]
    assert frame.company.tolist() == ["Société Générale", "Fabrikam; Nord GmbH"]
    assert frame.position[1] == "Leiterin Vertrieb, DACH"
    assert frame.connected_on.tolist() == [date(2024, 11, 23), date(2026, 2, 8)]
    assert (frame.function[1], frame.level[1]) == ("sales", "director")


def test_tab_separated_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER.replace(",", "\t") + "\nAna\tSouza\t\t\tGlobex, Inc.\tCIO\t"
                    "01 Jan 2024\n", encoding="utf-8")
    frame = read_export(path).connections
    assert (frame.company[0], frame.position[0]) == ("Globex, Inc.", "CIO")


def test_no_header_error_says_which_separators_work(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text("First Name|Last Name|Company|Position\nA|B|C|D\n", encoding="utf-8")
    with pytest.raises(OutreachError, match="separated by commas, semicolons or tabs"):
        read_export(path)


def test_one_cp1252_row_leaves_the_utf8_rows_intact() -> None:
    frame = read_export(EXPORTS / "connections_mixed_encoding.csv").connections
    assert names(frame) == ["José Núñez", "François Lefèvre", "Zoë Ødegård"]
    assert frame.company.tolist() == ["Société Générale", "Crédit Agricole", "Equinor"]
    assert frame.position[2] == "VP Sales – Nordics"


def test_peers_csv_read_back_undoes_only_our_formula_guard(tmp_path: Path) -> None:
    export = tmp_path / "Connections.csv"
    export.write_text(
        HEADER + '\n"=HYPERLINK(""http://x"")",@Bob,u1,,+Plus Co,-VP Marketing,01 Jan 2024\n'
        "'Quoted,O'Brien,u2,,'Apostrophe Ltd,VP Marketing,01 Jan 2024\n", encoding="utf-8")
    peers_csv = tmp_path / "peers.csv"
    result = CliRunner().invoke(cli, ["peers", str(export), "--title", "VP Marketing",
                                      "--format", "csv", "-o", str(peers_csv)])
    assert result.exit_code == 0, result.output
    assert "'=HYPERLINK" in peers_csv.read_text(encoding="utf-8")  # still safe to open
    people = {p.url: p for p in load_people(peers_csv, PeerQuery()).people}
    first = people["u1"]
    assert (first.first_name, first.last_name) == ('=HYPERLINK("http://x")', "@Bob")
    assert (first.company, first.position) == ("+Plus Co", "-VP Marketing")
    second = people["u2"]  # apostrophes that are not our guard stay
    assert (second.first_name, second.last_name, second.company) == (
        "'Quoted", "O'Brien", "'Apostrophe Ltd")


def test_other_csv_input_keeps_a_leading_apostrophe(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER + "\n'=A,B,u1,,Initech,CIO,01 Jan 2024\n", encoding="utf-8")
    assert read_export(path).connections.first_name[0] == "'=A"


def test_peers_csv_score_with_a_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "peers.csv"
    path.write_text(HEADER.replace(",", ";") + ";function;level;score;reason\n"
                    "Ana;Souza;u1;;Initech;CIO;01.01.2024;it;cxo;0,75;r\n"
                    "Ben;Okafor;u2;;Hooli;CIO;01.01.2024;it;cxo;0,9;r\n", encoding="utf-8")
    people = load_people(path, PeerQuery()).people
    assert [(p.first_name, p.score) for p in people] == [("Ben", 0.9), ("Ana", 0.75)]


@pytest.mark.parametrize(("text", "expected"), [
    ("23 Nov 2024", date(2024, 11, 23)), ("08 Feb 2026", date(2026, 2, 8)),
    ("2024-11-23", date(2024, 11, 23)), ("23-Nov-24", date(2024, 11, 23)), ("", None),
    ("someday", None),
])
def test_dates(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


cell = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    preamble=st.lists(cell, max_size=3),
    rows=st.lists(st.lists(cell, min_size=0, max_size=8), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]),
    crlf=st.booleans(),
    with_header=st.booleans(),
)
def test_reader_never_tracebacks(preamble, rows, encoding, crlf, with_header) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n",
                        quoting=csv.QUOTE_MINIMAL)
    for line in preamble:
        writer.writerow([line])
    if with_header:
        writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    from outreach.csvread import decode

    try:
        frame, stats = parse_connections(decode(data), "Connections.csv")
    except OutreachError as exc:
        assert "Connections.csv" in str(exc)
        return
    assert stats.kept == len(frame)
    assert stats.kept + stats.duplicates + stats.hidden == stats.rows  # every row accounted for
    if with_header and not preamble:
        assert stats.rows <= len(rows) + sum(str(c).count("\r") for r in rows for c in r)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(cell, min_size=0, max_size=8), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    stray_quote=st.none() | st.integers(min_value=0, max_value=10_000),
    cp1252_lines=st.sets(st.integers(min_value=0, max_value=7), max_size=3),
)
def test_reader_never_tracebacks_on_stray_quotes_delimiters_and_mixed_lines(
        rows, delimiter, stray_quote, cp1252_lines) -> None:
    import csv
    import io

    from outreach.csvread import decode

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    text = buffer.getvalue()
    if stray_quote is not None:
        at = stray_quote % (len(text) + 1)
        text = text[:at] + '"' + text[at:]
    lines = text.split("\n")
    data = b"\n".join(line.encode("cp1252" if i in cp1252_lines else "utf-8", errors="replace")
                      for i, line in enumerate(lines))
    try:
        frame, stats = parse_connections(decode(data), "Connections.csv")
    except OutreachError as exc:
        assert str(exc).startswith("Connections.csv")
        assert "\n" not in str(exc)  # one line
        return
    assert stats.kept == len(frame)
    assert stats.kept + stats.duplicates + stats.hidden == stats.rows


def test_question_marks_from_a_cp1252_resave_keep_people_apart(tmp_path: Path) -> None:
    """Excel saving as cp1252 turns 王伟 and ş into '?'; cutting URLs there merged 24 of the
    600 sample connections into "duplicates"."""
    text = (SAMPLE / "Connections.csv").read_text(encoding="utf-8")
    resaved = tmp_path / "Connections.csv"
    resaved.write_bytes(text.replace("\n", "\r\n").encode("cp1252", errors="replace"))
    original = read_export(SAMPLE / "Connections.csv")
    export = read_export(resaved)
    assert "?" in "".join(export.connections.url)
    assert export.stats.duplicates == original.stats.duplicates == 1
    assert len(export.connections) == len(original.connections) == 600


def test_the_same_profile_spelled_two_ways_is_one_connection(tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(HEADER + "\nAna,Souza,https://www.linkedin.com/in/ana-souza/,,Initech,CIO,\n"
                    "Ana,Souza,http://br.linkedin.com/in/Ana-Souza,,Initech,CIO,\n"
                    "Ana,Souza,,ana@initech.example,Initech,CIO,\n", encoding="utf-8")
    export = read_export(path)
    assert export.stats.duplicates == 1
    assert len(export.connections) == 2  # the URL-less row is only known by its address


def test_a_hand_edited_peers_csv_keeps_its_function_and_level(tmp_path: Path) -> None:
    """The peers CSV is the review step: what the user changed there must stand."""
    export = tmp_path / "Connections.csv"
    export.write_text(HEADER + "\nAna,Souza,u1,,Initech,VP Marketing,01 Jan 2024\n"
                      "Ben,Okafor,u2,,Hooli,VP Marketing,01 Jan 2024\n", encoding="utf-8")
    peers_csv = tmp_path / "peers.csv"
    result = CliRunner().invoke(cli, ["peers", str(export), "--title", "VP Marketing",
                                      "--format", "csv", "-o", str(peers_csv)])
    assert result.exit_code == 0, result.output
    edited = peers_csv.read_text(encoding="utf-8").replace(
        "Hooli,VP Marketing,2024-01-01,marketing,vp",
        "Hooli,VP Marketing,2024-01-01,sales,director")
    assert edited != peers_csv.read_text(encoding="utf-8")
    peers_csv.write_text(edited, encoding="utf-8")
    people = {p.first_name: p for p in load_people(peers_csv, PeerQuery()).people}
    assert (people["Ben"].function, people["Ben"].level) == ("sales", "director")
    assert (people["Ana"].function, people["Ana"].level) == ("marketing", "vp")


def test_a_peers_csv_with_an_unknown_level_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "peers.csv"
    path.write_text(HEADER + ",function,level,score,reason\n"
                    "Ana,Souza,u1,,Initech,CIO,2024-01-01,it,cxo,0.9,r\n"
                    "Ben,Okafor,u2,,Hooli,CIO,2024-01-01,it,boss,0.9,r\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["connections", str(path)])
    assert result.exit_code == 2
    assert f"{path}: line 3: level: 'boss' is not one of owner, cxo" in result.output
