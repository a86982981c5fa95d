"""``kill -9`` of ``outreach send`` at random points, against aiosmtpd on loopback (issue 21).

Seeded, and bounded (``KILLS`` kills): each kill lands at a point chosen from the server's side
of the conversation — while a RCPT waits for its answer (nothing sent yet), while DATA waits
for its 250 (the server has the message, the sender does not know), or just after the 250 (the
ledger may or may not have recorded it). After every kill a rerun goes on. In the end nothing
is lost, and each kill added at most one copy: the message that was in flight, resent with its
one Message-ID.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from smtp_server import FaultyHandler, cli_args, smtp_server, states, write_outbox

from outreach.cli import cli

OUTREACH = Path(sys.executable).with_name("outreach")
SEED = 2121
KILLS = 6
MESSAGES = 20
KINDS = ("rcpt", "data", "after")


@dataclass
class KillPoint(FaultyHandler):
    """A server that signals ``hit`` at the planned point (``plan``: kind, event number) and,
    for ``rcpt`` and ``data``, holds its answer until ``go_on``."""

    plan: tuple[str, int] | None = None
    hit: threading.Event = field(default_factory=threading.Event)
    go_on: threading.Event = field(default_factory=threading.Event)

    async def _hold(self) -> None:
        self.hit.set()
        for _ in range(3000):
            if self.go_on.is_set():
                return
            await asyncio.sleep(0.01)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = await super().handle_RCPT(server, session, envelope, address, rcpt_options)
        if self.plan == ("rcpt", self.rcpt_count):
            await self._hold()
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        number = self.data_count + 1
        if self.plan == ("data", number):
            self.data_count = number
            self._record(envelope)
            await self._hold()
            return f"250 2.0.0 OK queued as q{number}"
        reply = await super().handle_DATA(server, session, envelope)
        if self.plan == ("after", number):
            self.hit.set()  # the test kills the sender a moment after this 250
        return reply


def extra_copies(handler: FaultyHandler) -> int:
    counts = handler.counts()
    return sum(counts.values()) - len(counts)


@pytest.mark.slow
def test_kill_9_at_random_points_loses_nothing_and_repeats_only_the_one_in_flight(
        tmp_path: Path) -> None:
    rng = random.Random(SEED)
    folder, ledger = tmp_path / "emails", tmp_path / "ledger.sqlite"
    ids = write_outbox(folder, MESSAGES)
    handler = KillPoint()
    kills, kinds = 0, []
    with smtp_server(handler) as server:
        for _ in range(KILLS):
            kind = rng.choice(KINDS)
            done = handler.rcpt_count if kind == "rcpt" else handler.data_count
            handler.plan = (kind, done + rng.randint(1, 3))
            handler.hit.clear()
            handler.go_on.clear()
            before = extra_copies(handler)
            sender = subprocess.Popen([str(OUTREACH), *cli_args(folder, server, ledger, "--send")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True)
            if not handler.hit.wait(60):
                _, err = sender.communicate(timeout=60)
                pytest.fail(f"the sender never reached {handler.plan}: {err}")
            if kind == "after":
                time.sleep(rng.uniform(0, 0.05))
            sender.kill()
            sender.wait(timeout=30)
            handler.plan = None
            handler.go_on.set()
            kills += 1
            assert extra_copies(handler) - before <= 1, (kind, handler.counts())
            kinds.append(kind)
        rerun = CliRunner().invoke(cli, cli_args(folder, server, ledger, "--send"))
        assert rerun.exit_code == 0, rerun.output
        counts = handler.message_ids()
    assert kills == KILLS and set(kinds) == set(KINDS)  # every kind of kill point was tried
    assert set(counts) == set(ids)  # nothing lost
    assert sum(counts.values()) - len(ids) <= kills  # at most the one in flight per kill
    assert set(states(ledger).values()) == {"sent"}
