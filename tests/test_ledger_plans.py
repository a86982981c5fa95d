"""outreach.ledger.plans: what the plan said to whom survives reopening; send can ask."""

from __future__ import annotations

from pathlib import Path

from outreach.ledger import Ledger, PlannedMessage


def test_planned_messages_and_their_states_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    first = PlannedMessage("<a@x>", "k1", "rotation", "invitation", "<a@x>", uid="u1",
                           subject="Coffee?", facts={"start": "2027-01-05T08:00-05:00"})
    with Ledger.open(path) as ledger:
        ledger.save_plan([first])
        ledger.queue_message("<a@x>", ["ana@x.example"], "Coffee?", "a.eml")
        ledger.mark_sent("<a@x>", ["ana@x.example"], "250 ok")
        update = PlannedMessage("<b@x>", "k1", "rotation", "update", "<a@x>", sequence=1)
        ledger.save_plan([update], {"<a@x>": "superseded"})
    with Ledger.open(path) as ledger:
        stored = {m.message_id: m for m in ledger.planned_messages("rotation")}
        assert stored["<a@x>"].facts == {"start": "2027-01-05T08:00-05:00"}
        assert ledger.plan_state("<a@x>") == "superseded"
        assert ledger.plan_state("<b@x>") == "current"
        assert ledger.plan_state("<unknown@x>") is None
        assert ledger.sent_message_ids(["<a@x>", "<b@x>"]) == {"<a@x>"}


def test_rotation_positions_are_replaced_whole(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        ledger.save_rotation_positions({"a": 0, "b": 1, "c": 2})
        ledger.save_rotation_positions({"a": 0, "c": 2})
        assert ledger.rotation_positions() == {"a": 0, "c": 2}
