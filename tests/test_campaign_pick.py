"""``campaign --pick/--skip`` choose the peers as ``rotation --pick`` does, and a campaign from a
peers list speaks with the title and company it is given, or says it cannot (issue 18)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from click.testing import CliRunner
from test_campaign_told import FROM, PEERS, START, export

from outreach.cli import cli

GOOD = [p for p in PEERS if ".." not in p[3] and "," not in p[3]]  # five with an address


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def campaign(base: Path, *extra: str | Path, source: Path | None = None) -> tuple[int, str]:
    path = source or export(base / "export", GOOD)
    return invoke("campaign", path, "--out", base / "out", "--ledger", base / "l.sqlite",
                  "--title", "VP Marketing", "--no-preview", *START, *FROM, *extra)


def bodies(out: Path) -> dict[str, str]:
    found = {}
    for path in sorted((out / "emails").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found[path.stem] = message.get_body(("plain",)).get_content()
    return found


def test_pick_plans_only_the_named_peers_in_that_order(tmp_path: Path) -> None:
    code, output = campaign(tmp_path, "--pick", "eva,Dev Patel", "--rotation-size", "2", "--yes")
    assert code == 0, output
    assert "2 people in the plan: 2 told by e-mail, 0 by LinkedIn note." in output
    assert sorted(bodies(tmp_path / "out")) == ["dev-patel", "eva-lind"]
    rotation = (tmp_path / "out" / "calendar" / "rotation.ics").read_text(encoding="utf-8")
    assert rotation.index("Eva Lind") < rotation.index("Dev Patel")  # Eva first, as picked


def test_skip_leaves_a_peer_out_and_withdraws_what_was_not_sent(tmp_path: Path) -> None:
    code, output = campaign(tmp_path, "--rotation-size", "5")
    assert code == 0, output
    assert "ana-souza" in bodies(tmp_path / "out")
    code, output = campaign(tmp_path, "--rotation-size", "5", "--skip", "ana souza")
    assert code == 0, output
    assert "1 invitation withdrawn before it was sent" in output
    assert "ana-souza" not in bodies(tmp_path / "out")
    assert "4 people in the plan: 4 told by e-mail" in output


def test_an_unknown_name_is_a_one_line_error(tmp_path: Path) -> None:
    for option in ("--pick", "--skip"):
        code, output = campaign(tmp_path, option, "Nobody Here")
        assert code == 2
        assert output.startswith(f"Error: {option}: no one called 'Nobody Here' among the "
                                 "selected peers")
        assert output.count("\n") == 1
    assert not (tmp_path / "out").exists()


def peers_list(tmp_path: Path) -> Path:
    code, output = invoke("peers", export(tmp_path / "export", GOOD), "--title", "VP Marketing",
                          "--format", "csv", "-o", tmp_path / "peers.csv")
    assert code == 0, output
    return tmp_path / "peers.csv"


def test_a_peers_list_without_a_title_says_it_cannot_claim_the_same_job(tmp_path: Path) -> None:
    source = peers_list(tmp_path)
    result = CliRunner().invoke(cli, [
        "campaign", str(source), "--out", str(tmp_path / "out"), "--ledger",
        str(tmp_path / "l.sqlite"), "--no-preview", "--rotation-size", "2", "--yes", *START, *FROM])
    assert result.exit_code == 0, result.output
    assert ("warning: peers.csv is a peers list, which does not say your title: the invitations "
            "cannot say \"people who hold the same job\", so they are worded without it; pass "
            "--title and --company (or set [sender] title and company in outreach.toml)"
            ) in result.output
    texts = bodies(tmp_path / "out")
    assert texts and all("same job" not in text for text in texts.values())
    assert any("a small group of people in roles like yours" in t for t in texts.values())
    assert any("a few people in roles like yours" in t for t in texts.values())


def test_a_peers_list_keeps_the_title_and_company_it_is_given(tmp_path: Path) -> None:
    source = peers_list(tmp_path)
    code, output = invoke("campaign", source, "--out", tmp_path / "out", "--ledger",
                          tmp_path / "l.sqlite", "--no-preview", "--rotation-size", "2", "--yes",
                          "--title", "VP Marketing", "--company", "Acme", *START, *FROM)
    assert code == 0, output
    assert "does not say your title" not in output
    texts = bodies(tmp_path / "out")
    assert all("I'm VP Marketing at Acme" in text for text in texts.values())
    config = tmp_path / "outreach.toml"
    config.write_text('[sender]\ntitle = "VP Marketing"\ncompany = "Acme"\n', encoding="utf-8")
    code, output = invoke("--config", config, "campaign", source, "--out", tmp_path / "again",
                          "--ledger", tmp_path / "l2.sqlite", "--no-preview", "--rotation-size",
                          "2", "--yes", *START, *FROM)
    assert code == 0, output
    assert "does not say your title" not in output
    assert all("I'm VP Marketing at Acme" in text for text in bodies(tmp_path / "again").values())
