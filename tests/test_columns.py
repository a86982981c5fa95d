"""The connections and peers without pandas (issue 23): ``columns.Columns`` holds what the
DataFrame held, ``find_peers_in`` finds what ``find_peers`` finds, and ``campaign`` runs
without importing pandas."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from outreach.columns import Columns
from outreach.ingest import frame_to_csv, read_export
from outreach.model import people_from_columns, people_from_frame
from outreach.peers import PeerQuery, find_peers, find_peers_in, load_people

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ZIP = ROOT / "sample_data" / "Basic_LinkedInDataExport_11-20-2026.zip"
EXPORTS = Path(__file__).parent / "data" / "exports"


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert list(a.index) == list(b.index)
    for i in range(a.shape[1]):
        left, right = a.iloc[:, i].tolist(), b.iloc[:, i].tolist()
        assert [("nan" if isinstance(v, float) and math.isnan(v) else v) for v in left] == [
            ("nan" if isinstance(v, float) and math.isnan(v) else v) for v in right]


@pytest.mark.parametrize("options", [
    {}, {"with_excluded": True}, {"include_own_company": True},
    {"levels": ["vp", "director"], "with_excluded": True, "home_country": "CA"},
])
def test_peers_from_columns_are_the_peers_from_the_frame(options: dict[str, object]) -> None:
    """The same peers, columns, order, scores and reasons either way (``find_peers`` is
    ``find_peers_in`` over the frame's columns), and the same people and peers.csv."""
    export = read_export(SAMPLE_ZIP)
    title, company = export.profile.title, export.profile.company
    frame, _ = find_peers(export.connections, title, company, **options)
    table, _ = find_peers_in(export.table, title, company, **options)
    _same(table.to_frame(), frame)
    assert frame_to_csv(table) == frame_to_csv(frame)
    assert people_from_columns(table) == people_from_frame(frame)


def test_an_export_is_read_without_pandas_and_its_frame_built_when_asked() -> None:
    export = read_export(EXPORTS / "connections_2024.csv")
    assert isinstance(export.table, Columns)
    assert export.connections is export.connections  # built once
    assert export.connections["company"].tolist() == list(export.table["company"])


def test_concat_fills_a_column_one_side_lacks_as_pandas_does() -> None:
    a = Columns(["x", "y"], [[1, 2], ["a", "b"]], 2)
    b = Columns(["y", "z"], [["c"], [True]], 1)
    _same(a.concat(b).to_frame(),
          pd.concat([a.to_frame(), b.to_frame()], ignore_index=True))


def test_a_repeated_column_name_gives_its_last_column_to_people() -> None:
    table = Columns(["first_name", "last_name", "Notes", "Notes"],
                    [["Ana"], ["Souza"], ["old"], ["new"]], 1)
    assert people_from_columns(table)[0].extra == {"notes": "new"}
    frame = table.to_frame()
    assert people_from_frame(frame)[0].extra == {"notes": "new"}


def test_selection_writes_peers_csv_from_columns_and_shows_a_frame() -> None:
    selection = load_people(EXPORTS / "connections_2024.csv",
                            PeerQuery(title="VP Marketing", company="Acme"))
    assert isinstance(selection.columns, Columns)
    assert list(selection.frame["first_name"]) == list(selection.columns["first_name"])


@pytest.mark.slow
def test_campaign_imports_no_pandas(tmp_path: Path) -> None:
    """``outreach campaign`` on an export: every file written, pandas never imported."""
    code = ("import sys\nfrom outreach.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print('pandas' in sys.modules)\n")
    done = subprocess.run(
        [sys.executable, "-c", code, "campaign", str(SAMPLE_ZIP), "--out", str(tmp_path / "out"),
         "--ledger", str(tmp_path / "ledger.sqlite"), "--start", "2099-01-06T08:00",
         "--tz", "America/Toronto", "--location", "Café", "--yes"],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert (tmp_path / "out" / "peers.csv").is_file()
    assert (tmp_path / "out" / "report.html").is_file()


@pytest.mark.parametrize("source", [SAMPLE_ZIP, *sorted(EXPORTS.glob("connections_2*.csv")),
                                    EXPORTS / "connections_mixed_encoding.csv"])
def test_the_keys_ingest_hands_on_are_the_keys_people_work_out(source: Path) -> None:
    """Each person built from an export's rows gets the identity key ingest worked out for
    the row (issue 23): the key ``Person.key`` computes from the person's own fields."""
    import dataclasses

    from outreach.model import identity_key

    export = read_export(source)
    people = people_from_columns(export.table)
    assert "key" in people[0].__dict__  # handed on, not recomputed
    assert [p.key for p in people] == [
        identity_key(p.url, p.email, p.full_name, p.company) for p in people]
    assert [p.key for p in people] == [dataclasses.replace(p).key for p in people]
    table, _ = find_peers_in(export.table, "VP Marketing", "Acme", with_excluded=True)
    assert [p.key for p in people_from_columns(table)] == [
        dataclasses.replace(p).key for p in people_from_columns(table)]


def test_replacing_an_identity_column_forgets_the_keys() -> None:
    table = read_export(EXPORTS / "connections_2024.csv").table
    assert table.keys is not None
    table.set("score", [0.0] * len(table))
    assert table.keys is not None
    table.set("email", [""] * len(table))
    assert table.keys is None
