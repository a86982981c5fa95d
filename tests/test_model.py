"""outreach.model: the one address rule and the one identity rule every stage uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.model import Person, canonical_url, identity_key, valid_address


@pytest.mark.parametrize(("text", "expected"), [
    ("jane@example.com", "jane@example.com"),
    ("  Jane@Example.COM ", "Jane@example.com"),
    ("zoë-ødegård@example.org", "zoë-ødegård@example.org"),  # SMTPUTF8 local part
    ("a@münchen.de", "a@xn--mnchen-3ya.de"),
    ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
])
def test_valid_addresses_are_normalised(text: str, expected: str) -> None:
    assert valid_address(text) == expected


@pytest.mark.parametrize("text", [
    "jane@example..com", "jane@.example.com", ".jane@example.com", "ja..ne@example.com",
    "jane@example", "jane@-example.com", "jane@example.c0m", "jane example@example.com",
    "Jane <jane@example.com>", "jane@example.com, bob@example.com", "jane@example.com\nBcc: x@y.z",
    "jane\u200b@example.com", "@example.com", "jane@", "", "jane",
    "zo\ufffd@example.com", "jane@ex\ufffdample.com",  # bytes misread as text
])
def test_invalid_addresses_are_refused(text: str) -> None:
    assert valid_address(text) is None


def test_one_rule_decides_e_mail_and_calendar_alike() -> None:
    """The bug: jane@example..com was an ATTENDEE of her invite but skipped by the e-mail
    stage, so she got neither an e-mail nor a LinkedIn note."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from outreach.ical.events import invite_spec
    from outreach.mail.render import render_messages
    from outreach.model import Meeting, Sender

    jane = Person("Jane", "Doe", url="https://www.linkedin.com/in/jane", email="jane@example..com")
    sender = Sender("Pat Lee", "pat@example.com", "VP Marketing", "Acme")
    meeting = Meeting(datetime(2027, 1, 5, 8, tzinfo=ZoneInfo("America/Toronto")))
    assert invite_spec(jane, sender, meeting).attendees == ()
    batch = render_messages([jane], sender, meeting=meeting)
    assert batch.messages == []
    assert [s.reason for s in batch.skipped] == ["invalid e-mail address 'jane@example..com'"]


@pytest.mark.parametrize("spelling", [
    "https://www.linkedin.com/in/josé-núñez",
    "https://www.linkedin.com/in/jos%C3%A9-n%C3%BA%C3%B1ez/",
    "http://www.linkedin.com/in/JOSÉ-NÚÑEZ",
    "https://uk.linkedin.com/in/josé-núñez",
    "www.linkedin.com/in/josé-núñez",
    "linkedin.com/in/josé-núñez?trk=public_profile",
    "https://www.linkedin.com/in/josé-núñez#about",
    " https://www.linkedin.com/in/jose\u0301-nu\u0301n\u0303ez ",  # decomposed accents
])
def test_one_profile_has_one_canonical_url(spelling: str) -> None:
    assert canonical_url(spelling) == "https://www.linkedin.com/in/josé-núñez"


def test_a_question_mark_from_a_cp1252_resave_is_part_of_the_slug() -> None:
    first = canonical_url("https://www.linkedin.com/in/??--00017")
    second = canonical_url("https://www.linkedin.com/in/??--00042")
    assert first != second
    assert first.endswith("/in/??--00017")
    assert canonical_url("https://www.linkedin.com/in/?ebnem-jensen") \
        != canonical_url("https://www.linkedin.com/in/?lukasz-brown")


def test_identity_prefers_url_then_address_then_name() -> None:
    assert identity_key("https://www.linkedin.com/in/ana/", "ana@x.com", "Ana", "Co") \
        == "https://www.linkedin.com/in/ana"
    assert identity_key("", "Ana@X.com", "Ana García", "Co") == "mailto:ana@x.com"
    assert identity_key("", "not-an-address", "Ana  García", "Co") == "ana garcia|co"
    assert Person("Ana", "García", email="ana@x.com").key == "mailto:ana@x.com"


@given(st.text(max_size=80))
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize("url", ["0\r#", "0 /#x", "https://www.linkedin.com/in/ana/ \t"])
def test_canonical_url_is_idempotent_when_a_fragment_hid_trailing_space(url: str) -> None:
    """Found by hypothesis: the space before a cut ``#`` stayed, and went on the second pass."""
    once = canonical_url(url)
    assert canonical_url(once) == once and not once.endswith((" ", "\r", "/"))


@given(st.text(max_size=80))
def test_valid_address_never_lets_a_header_through(text: str) -> None:
    address = valid_address(text)
    if address is not None:
        assert not any(c in address for c in "\r\n\t <>,;\"")
        assert valid_address(address) == address


def test_the_library_api_lists_every_name_and_loads_each_lazily() -> None:
    import subprocess
    import sys

    import outreach

    assert set(outreach.__all__) - {"__version__"} == set(outreach._EXPORTS)
    for name in outreach.__all__:
        assert getattr(outreach, name) is not None
    code = "import sys, outreach; outreach.valid_address('a@b.co'); print('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


# ---------------------------------------------------------------- kinds and Message-IDs


def test_every_kind_has_one_rule_and_the_templates_say_its_subject_prefix() -> None:
    from pathlib import Path

    from outreach.model import KINDS, Channel, MessageKind

    templates = Path(__file__).resolve().parent.parent / "templates"
    assert set(KINDS) == set(MessageKind)
    for kind, rule in KINDS.items():
        assert (templates / rule.template).is_file(), kind
        first = (templates / rule.template).read_text(encoding="utf-8").splitlines()[0]
        if rule.subject_prefix and rule.channel is Channel.EMAIL:
            assert first.startswith(f"Subject: {rule.subject_prefix}"), kind
    assert MessageKind("update") is MessageKind.UPDATE and MessageKind.UPDATE == "update"


def test_message_ids_are_stable_but_need_the_secret() -> None:
    from outreach.model import message_id

    one = message_id(b"secret", "example.com", "dana@example.com", "jane", "invitation")
    assert one == message_id(b"secret", "example.com", "dana@example.com", "jane", "invitation")
    assert one != message_id(b"other", "example.com", "dana@example.com", "jane", "invitation")
    assert one != message_id(b"secret", "example.com", "dana@example.com", "jane", "update")
    assert one.startswith("<outreach.") and one.endswith("@example.com>")


@given(st.binary(max_size=64), st.lists(st.text(max_size=20), max_size=6))
def test_a_message_id_is_the_hmac_sha256_of_its_parts(secret: bytes, parts: list[str]) -> None:
    """The documented rule, so IDs in ledgers made by earlier versions keep matching."""
    import hashlib
    import hmac

    from outreach.model import message_id

    text = "\0".join(parts).encode("utf-8")
    expected = hmac.new(secret, text, hashlib.sha256).hexdigest()[:32]
    assert message_id(secret, "example.com", *parts) == f"<outreach.{expected}@example.com>"
