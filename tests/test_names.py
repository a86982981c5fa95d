"""Names as people write them: the greeting says "Hi María José," to ``MARÍA JOSÉ``."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from outreach.cli import cli
from outreach.names import written_name


@pytest.mark.parametrize(("first", "last", "expected"), [
    ("MARÍA JOSÉ", "GARCÍA", ("María José", "García", "")),
    ("josé luis", "de la fuente", ("José Luis", "de la Fuente", "")),
    ("Dra. Pilar", "Gómez", ("Pilar", "Gómez", "Dra.")),
    ("PROF. DR. HANS", "MÜLLER", ("Hans", "Müller", "Prof. Dr.")),
    ("JEAN-LUC", "O'BRIEN", ("Jean-Luc", "O'Brien", "")),
    ("ANNA", "MCDONALD", ("Anna", "McDonald", "")),
    ("ANNA", "VAN DER BERG", ("Anna", "van der Berg", "")),
    ("THU", "LE", ("Thu", "Le", "")),
    ("DeShawn", "McKINNEY", ("DeShawn", "McKINNEY", "")),  # mixed case: their own spelling
    ("Dr.", "Who", ("Dr.", "Who", "")),  # an honorific alone is the name they gave
    ("王伟", "", ("王伟", "", "")),
])
def test_a_name_is_written_in_its_usual_case_without_honorifics(
        first: str, last: str, expected: tuple[str, str, str]) -> None:
    name = written_name(first, last)
    assert (name.first_name, name.last_name, name.honorific) == expected


@given(st.text(max_size=30), st.text(max_size=30))
def test_writing_a_name_twice_changes_nothing_more(first: str, last: str) -> None:
    once = written_name(first, last)
    twice = written_name(once.first_name, once.last_name)
    assert (twice.first_name, twice.last_name) == (once.first_name, once.last_name)


HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "peers.csv"
    path.write_text(HEADER + "".join(
        f"{first},{last},https://www.linkedin.com/in/{n},p{n}@example.org,Co{n},VP Marketing,"
        "01 Dec 2026\n"
        for n, (first, last) in enumerate([("MARÍA JOSÉ", "GARCÍA"), ("josé luis", "pérez"),
                                           ("Dra. Pilar", "Gómez"), ("Zoë", "Ødegård")])),
        encoding="utf-8")
    return path


def _args(tmp_path: Path, *extra: str) -> list[str]:
    return ["emails", str(_export(tmp_path)), "--title", "VP Marketing", "--company", "Northwind",
            "--from", "Dana Whitfield <dana@example.com>", "--out", str(tmp_path / "out"),
            "--ledger", str(tmp_path / "ledger.sqlite"), *extra]


def test_greetings_use_the_usual_case_and_leave_honorifics_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, _args(tmp_path))
    assert result.exit_code == 0, result.output
    bodies = {}
    for path in sorted((tmp_path / "out").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        bodies[str(message["To"])] = text
    greetings = " ".join(text.splitlines()[0] for text in bodies.values())
    for expected in ("María José", "José Luis", "Pilar", "Zoë"):
        assert expected in greetings
    for unexpected in ("MARÍA", "josé", "Dra."):
        assert unexpected not in greetings
    assert any("María José García" in to for to in bodies)


def test_check_reports_the_names_it_had_to_change(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, _args(tmp_path, "--check"))
    assert result.exit_code == 0, result.output
    assert "name: 'MARÍA JOSÉ GARCÍA' is written 'María José García'" in result.output
    assert "name: 'josé luis pérez' is written 'José Luis Pérez'" in result.output
    assert ("name: 'Dra. Pilar Gómez' is written 'Pilar Gómez' (honorific 'Dra.' kept out of "
            "the greeting)") in result.output
    assert "Zoë" not in result.output.split("Checked")[0]


@given(st.text())
def test_one_case_means_every_cased_letter_in_one_case(text: str) -> None:
    """The fast test (str.isupper/islower/istitle) answers as the letter-by-letter rule."""
    from outreach.names import _typed_in_one_case

    cased = [ch for ch in text if ch.isupper() or ch.islower()]
    expected = bool(cased) and (all(c.isupper() for c in cased) or all(c.islower() for c in cased))
    assert _typed_in_one_case(text) == expected


@given(st.from_regex(r"[a-z]{1,8}@[A-Za-z0-9.-]{0,70}", fullmatch=True))
def test_an_ascii_domain_is_read_as_the_idna_codec_reads_it(text: str) -> None:
    from outreach.model import valid_address

    local, _, domain = text.rpartition("@")
    try:
        expected_domain: str | None = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        expected_domain = None
    found = valid_address(text)
    if expected_domain is None:
        assert found is None
    elif found is not None:
        assert found == f"{local}@{expected_domain}"
