"""The mbox splitter (``mail.mailfiles.MboxFile``) against the standard library's reader, and
the fast header split (``mail.sources.headers_of``) on any bytes: generated mailboxes."""

from __future__ import annotations

import mailbox
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.ledger import Ledger
from outreach.mail.mailfiles import MboxFile
from outreach.mail.sources import headers_of

lines = st.lists(st.sampled_from([b"", b"From here on", b"Subject: x", b">From y", b"text",
                                  b"From: a@b", b"\xff\xfe", b" folded", b"\r"]), max_size=8)
messages = st.lists(lines.map(lambda ls: b"\n".join(ls) + b"\n"), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(messages)
def test_the_mbox_splitter_reads_what_mailbox_reads(bodies: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "box.mbox"
        box = mailbox.mbox(str(path))
        for body in bodies:
            box.add(b"Message-ID: <m@x>\n" + body)
        box.close()
        reader = mailbox.mbox(str(path))
        expected = [reader.get_bytes(key) for key in reader.iterkeys()]
        with Ledger.open(Path(tmp) / "l.sqlite") as ledger:
            got = [item.data for item in MboxFile(path, ledger).items()]
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_headers_of_any_bytes_is_never_fatal(raw: bytes) -> None:
    headers = headers_of(raw)
    assert 0 <= headers.body <= len(raw)
    assert all(isinstance(value, str) for value in headers.values())
