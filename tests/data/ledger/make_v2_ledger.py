"""Make ``v2-split-people.sqlite``: a ledger written by the code before schema v3 (commit
c1aa096), with the split records that version left behind.

Run from the repository root: ``.venv/bin/python tests/data/ledger/make_v2_ledger.py``.
The old ``outreach/{errors,model}.py`` and ``outreach/ledger/{schema,store}.py`` are read with
``git show c1aa096:...`` into a temporary package ``old_outreach`` and driven as the commands
of that version did:

- Ana García: ``send`` met her address first (``person_for_address`` made the name-keyed
  ``ana garcia|`` row, with an ``invited`` event), then ``rotation`` remembered her by profile
  URL with the same address (a meeting, a ``met`` event); a forum meeting and a ``replied``
  event went to the name key;
- Bob Stone saved as ``http://www.linkedin.com/in/bob-stone/`` and later as
  ``https://uk.linkedin.com/in/Bob-Stone``, with an event under each;
- José Núñez saved percent-encoded and plain, an event under one, a meeting under the other;
- Kim and Lee Park: two profiles sharing an assistant's address (they must stay two);
- Sam Lee: a forum meeting under ``sam lee|globex`` before he was remembered by URL;
- Zoë Ødegård: no URL, with an address (old key: name|company);
- an event for ``http://linkedin.com/in/zed`` who was never remembered;
- one delivery and one invite version, which v3 must leave alone.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import types
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

COMMIT = "c1aa096"
FILES = ("outreach/errors.py", "outreach/model.py", "outreach/ledger/schema.py",
         "outreach/ledger/store.py")
OUT = Path(__file__).with_name("v2-split-people.sqlite")


def old_package(root: Path) -> types.ModuleType:
    """The old ledger code as ``old_outreach.ledger.store``."""
    for name in FILES:
        source = subprocess.run(["git", "show", f"{COMMIT}:{name}"], check=True,
                                capture_output=True, text=True).stdout
        target = root / name.replace("outreach/", "old_outreach/", 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.replace("from outreach.", "from old_outreach."))
    for folder in (root / "old_outreach", root / "old_outreach" / "ledger"):
        (folder / "__init__.py").touch()
    sys.path.insert(0, str(root))
    import old_outreach.ledger.store as store  # type: ignore[import-not-found]

    return store


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = old_package(Path(folder))
        model = sys.modules["old_outreach.model"]
        clock = iter(datetime(2026, 5, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=n)
                     for n in range(10_000))
        store.utc_now = lambda: next(clock)
        Person, Meeting = model.Person, store.PlannedMeeting
        start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
        path = Path(folder) / "ledger.sqlite"
        with store.Ledger.open(path) as ledger:
            # send, then rotation (the bug)
            ana_name = ledger.person_for_address("ana.garcia@example.com", "Ana García")
            ledger.add_event(ana_name, "invited", date(2026, 5, 1), "Coffee?")
            ledger.record_meetings([Meeting("forum-1#ana", ana_name, "Ana García", "forum",
                                            start)])
            ledger.add_event(ana_name, "replied", date(2026, 5, 2))
            ana = Person("Ana", "García", url="https://www.linkedin.com/in/ana-garcia",
                         email="ana.garcia@example.com", company="Acme", position="CFO")
            ledger.remember_people([ana])
            ledger.record_meetings([Meeting("rot-ana#1", ana.key, "Ana García", "rotation",
                                            start + timedelta(days=7))])
            ledger.add_event(ana.key, "met", date(2026, 5, 11))
            # old URL spellings
            bob_http = Person("Bob", "Stone", url="http://www.linkedin.com/in/bob-stone/",
                              company="Globex")
            bob_uk = Person("Bob", "Stone", url="https://uk.linkedin.com/in/Bob-Stone",
                            position="CTO")
            jose_encoded = Person("José", "Núñez",
                                  url="https://www.linkedin.com/in/jos%C3%A9-n%C3%BA%C3%B1ez/")
            jose = Person("José", "Núñez", url="https://www.linkedin.com/in/josé-núñez",
                          company="Hooli")
            kim = Person("Kim", "Park", url="https://www.linkedin.com/in/kim-park",
                         email="office@initech.example", company="Initech")
            lee = Person("Lee", "Park", url="https://www.linkedin.com/in/lee-park",
                         email="office@initech.example", company="Initech")
            zoe = Person("Zoë", "Ødegård", email="zoe@example.no", company="Nordic AS")
            ledger.remember_people([bob_http, jose_encoded, kim, lee, zoe])
            ledger.record_meetings([Meeting("forum-1#sam", "sam lee|globex", "Sam Lee", "forum",
                                            start)])
            ledger.remember_people([bob_uk, jose, Person("Sam", "Lee", company="Globex",
                                                         url="https://www.linkedin.com/in/sam")])
            ledger.add_event(bob_http.key, "gave", date(2026, 5, 3), "intro")
            ledger.add_event(bob_uk.key, "got", date(2026, 5, 4), "advice")
            ledger.add_event(jose_encoded.key, "met", date(2026, 5, 5))
            ledger.record_meetings([Meeting("rot-jose#1", jose.key, "José Núñez", "rotation",
                                            start)])
            ledger.add_event(kim.key, "met", date(2026, 5, 6))
            ledger.add_event(zoe.key, "met", date(2026, 5, 7))
            ledger.add_event("http://linkedin.com/in/zed", "gave", date(2026, 5, 8))
            ledger.queue_message("<m1@example.com>", ["ana.garcia@example.com"], "Coffee?",
                                 "outbox.mbox")
            ledger.mark_sent("<m1@example.com>", ["ana.garcia@example.com"], "250 ok")
            ledger.invite_version("uid-1", "fp", now=start)
            assert ledger.schema_version() == 2
        single = sqlite3.connect(path)
        single.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        single.execute("VACUUM")
        single.close()
        OUT.write_bytes(path.read_bytes())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
