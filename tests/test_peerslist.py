"""A peers list read without pandas gives the people the DataFrame path gives (issue 23)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from outreach.ingest import read_export
from outreach.model import people_from_frame
from outreach.peers import PeerQuery, load_people
from outreach.peerslist import read_peers_list

DATA = Path(__file__).parent / "data"
LISTS = [DATA / "emails" / "peers.csv", DATA / "emails" / "badaddress.csv",
         DATA / "cards" / "peers.csv", DATA / "calendar" / "peers.csv",
         DATA / "calendar" / "forum_peers.csv"]

HAND_EDITED = (
    "\ufeffFirst Name,Last Name,URL,Email Address,Company,Position,Connected On,function,"
    "level,score,reason,excluded,Team Name,Team Name\n"
    "Ana,García,https://www.linkedin.com/in/ana,ana@example.org,Acme,VP Marketing,"
    "12 Mar 2021,sales,,\"0,5\",same level,,red,blue\n"
    "Ana,García,https://www.linkedin.com/in/ana,ana@example.org,Acme,VP Marketing,"
    "12 Mar 2021,,,0.9,repeated row,,red,blue\n"
    "Bo,  Lee ,https://www.linkedin.com/in/bo,bo@example.org,'=cmd,Head of Sales,"
    "not a date,,vp,0.5,same function,,green,gold\n"
    "Cy,Dee,https://www.linkedin.com/in/cy,,Initech,CFO,,,,oops,no score,former role,x,y\n"
    "Di,Eve,https://www.linkedin.com/in/di,di@example.org,Umbrella,CMO,2020-01-02,,,0.7,"
    "best,,,\n"
    ",,,,,,,,,0.1,hidden,,,\n"
)


def _reference(path: Path) -> list:
    """What ``load_people`` gave before issue 23: the DataFrame, filtered and sorted."""
    frame = read_export(path).connections
    if "excluded" in frame.columns:
        kept = frame["excluded"].fillna("").astype(str).str.strip() == ""
        frame = frame[kept].drop(columns=["excluded"])

    def as_float(value: object) -> float:
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            return 0.0

    frame = frame.assign(score=frame["score"].map(as_float))
    frame = frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return people_from_frame(frame)


def _same(ours: list, theirs: list) -> None:
    assert [vars(p) | {"extra": list(p.extra.items())} for p in ours] == [
        vars(p) | {"extra": list(p.extra.items())} for p in theirs]


@pytest.mark.parametrize("path", LISTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_peers_list_gives_the_people_of_the_dataframe_path(path: Path) -> None:
    selection = load_people(path, PeerQuery())
    _same(selection.people, _reference(path))


def test_hand_edits_excluded_rows_and_repeated_columns_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "peers.csv"
    path.write_text(HAND_EDITED, encoding="utf-8")
    selection = load_people(path, PeerQuery())
    _same(selection.people, _reference(path))
    assert [p.first_name for p in selection.people] == ["Di", "Ana", "Bo"]
    assert selection.people[1].function == "sales"  # the user's review stands
    assert selection.notes == ["3 peers from a peers list", "left out 1 excluded row"]
    assert list(selection.frame["first_name"]) == ["Di", "Ana", "Bo"]  # built when asked


def test_a_peers_list_in_utf16_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "peers.csv"
    path.write_bytes(HAND_EDITED.encode("utf-16"))
    _same(load_people(path, PeerQuery()).people, _reference(path))


def test_an_export_is_not_a_peers_list() -> None:
    assert read_peers_list(DATA / "exports" / "connections_2024.csv") is None
    assert read_peers_list(DATA / "exports") is None


def test_reading_a_peers_list_imports_no_pandas() -> None:
    code = ("import sys; from outreach.peers import PeerQuery, load_people; "
            f"s = load_people({str(LISTS[0])!r}, PeerQuery()); "
            "assert s.people; print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
