"""In-house peers (issue 24): ``--include-own-company`` finds colleagues at your level in
any function (a VP Product beside a VP Marketing), and writes to them as colleagues, not as
"peers at other companies". Through the CLI."""

from __future__ import annotations

import csv
import email
import email.policy
from pathlib import Path

from test_campaign_told import FROM, START, connections, run

ROWS = [  # (first, last, company, position)
    ("Ana", "Souza", "Globex", "VP Marketing"), ("Ben", "Okafor", "Initech", "VP Marketing"),
    ("Chloe", "Martin", "Umbrella", "VP Marketing"), ("Dev", "Patel", "Hooli", "VP Marketing"),
    ("Pia", "Lang", "Northwind Analytics", "VP Product"),
    ("Sam", "Wu", "Northwind Analytics", "Product Manager"),
]


def export(folder: Path) -> Path:
    return connections(folder, [
        (first, last, f"https://www.linkedin.com/in/{first.lower()}",
         f"{first.lower()}@{company.split()[0].lower()}.example", company, position)
        for first, last, company, position in ROWS])


def campaign(tmp_path: Path, *extra: str) -> str:
    return run("campaign", export(tmp_path / "export"), "--out", tmp_path / "out", "--ledger",
               tmp_path / "l.sqlite", "--title", "VP Marketing", "--company",
               "Northwind Analytics", "--no-preview", "--rotation-size", "5", "--forum-size",
               "0", *START, *FROM, *extra)


def test_without_the_flag_no_colleague_is_a_peer(tmp_path: Path) -> None:
    campaign(tmp_path)
    with (tmp_path / "out" / "peers.csv").open(encoding="utf-8-sig", newline="") as handle:
        names = {row["First Name"] for row in csv.DictReader(handle)}
    assert names == {"Ana", "Ben", "Chloe", "Dev"}


def test_a_vp_product_at_your_company_is_a_workplace_peer_written_to_as_a_colleague(
        tmp_path: Path) -> None:
    campaign(tmp_path, "--include-own-company")
    with (tmp_path / "out" / "peers.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["First Name"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"Ana", "Ben", "Chloe", "Dev", "Pia"}  # not Sam: not at your level
    assert rows["Pia"]["colleague"] == "yes"
    assert "a colleague at your level (workplace peer)" in rows["Pia"]["reason"]
    path = tmp_path / "out" / "emails" / "pia-lang.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    assert "We work down the hall from each other — you as VP Product" in text
    assert "other companies" not in text and "at Northwind" not in text
    assert "much the same job" not in text
    peer = (tmp_path / "out" / "emails" / "ana-souza.eml").read_bytes()
    assert b"much the same job" in peer  # the peers elsewhere keep their own words
