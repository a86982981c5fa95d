"""Templates are bounded by the work they do, not by their shape (issue 21): loops over any
iterable, texts that grow, macro fan-outs and output all count against one budget per
message; each stops fast with one line naming the template line and the recipient."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_hostile import ANA, PEER, export, invoke

WORK = ("template over its limits: more than 1,000,000 steps of work (each loop step, call and "
        "filter, and each 100 characters built or written, is one)")
TOO_LONG = "template over its limits: a text or list of over 1,000,000 items"

RUNAWAY = [
    ("{% for a in 'x'*100000 %}{% for b in 'x'*100000 %}{% endfor %}{% endfor %}", WORK),
    ("{% set ns = namespace(v='x') %}{% for i in range(40) %}{% set ns.v = ns.v ~ ns.v %}"
     "{% endfor %}{{ ns.v|length }}", TOO_LONG),
    ("{% set ns = namespace(v='x') %}{% for i in range(40) %}{% set ns.v = ns.v + ns.v %}"
     "{% endfor %}", TOO_LONG),
    ("{% set ns = namespace(v='xx') %}{% for i in range(9) %}"
     "{% set ns.v = ns.v.replace('x', ns.v) %}{% endfor %}", TOO_LONG),
    ("{{ (['x' * 900000] * 1000)|join }}", TOO_LONG),
    ("{% set b %}{% for i in range(1000) %}{{ 'x' * 900000 }}{% endfor %}{% endset %}", WORK),
    pytest.param("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}"
                 "{{ f(40) }}", WORK, marks=pytest.mark.slow),
    ("{% for a in [1, 2, 3] * 300000 %}{% for b in [1, 2, 3] %}{% endfor %}{% endfor %}", WORK),
]


@pytest.mark.parametrize(("body", "message"), RUNAWAY,
                         ids=["nested-strings", "doubled-concat", "doubled-plus", "replace",
                              "join", "set-block", "macro-fan", "nested-lists"])
def test_runaway_templates_stop_fast_naming_line_and_recipient(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str) -> None:
    from outreach import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 60.0)  # the work budget stops it, not the clock
    template = tmp_path / "t.email.j2"
    template.write_text(f"Subject: Hi {{{{ first_name }}}}\n\nHello {{{{ first_name }}}},\n"
                        f"{body}\n", encoding="utf-8")
    began = time.monotonic()
    code, _, err = invoke("emails", str(export(tmp_path, ANA)), *PEER, "-t", str(template),
                          "--from", "Me <me@example.org>", "--out", str(tmp_path / "out"))
    assert time.monotonic() - began < 60  # was: past 60 s, or out of memory (about 1 s here)
    assert code == 2
    assert err == (f"problem: {template}:4: {message} — #1 Ana Souza <ana@globex.example>\n"
                   "Error: 1 problem found; nothing written\n")
    assert not list((tmp_path / "out").rglob("*"))


def test_an_ordinary_template_stays_well_within_the_budget(tmp_path: Path) -> None:
    template = tmp_path / "t.email.j2"
    template.write_text("Subject: Hi {{ first_name }}\n\n{% for w in 'abc' %}{{ w }}{% endfor %}"
                        " {{ ['x', 'y']|join(', ') }} {{ (first_name ~ '!')|upper }}\n",
                        encoding="utf-8")
    code, _, err = invoke("emails", str(export(tmp_path, ANA)), *PEER, "-t", str(template),
                            "--from", "Me <me@example.org>", "--out", str(tmp_path / "out"))
    assert code == 0, err
    written = next((tmp_path / "out").rglob("*.eml")).read_text(encoding="utf-8")
    assert "abc x, y ANA!" in written


def test_the_wall_clock_limit_stops_a_rendering_within_its_work_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from outreach import sandbox

    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.05)
    template = tmp_path / "t.email.j2"
    template.write_text("Subject: Hi\n\n{% for a in range(900) %}{% for b in range(1000) %}"
                        "{% endfor %}{% endfor %}\n", encoding="utf-8")
    code, _, err = invoke("emails", str(export(tmp_path, ANA)), *PEER, "-t", str(template),
                          "--from", "Me <me@example.org>", "--out", str(tmp_path / "out"))
    assert code == 2
    assert err.splitlines()[0] == (f"problem: {template}:3: template over its limits: rendering "
                                   "took more than 0.05 s — #1 Ana Souza <ana@globex.example>")
