"""One SMTP transaction, driven step by step so its result is exact (see ``transaction``).

``mail.smtp.send_batch`` records the result in the ledger: ``accepted`` → ``sent``,
``permanent`` → ``failed-permanent``, ``temporary`` → ``failed-temporary`` (retried).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from outreach.mail.outbox import OutboxMessage

AUTH_CODES = (530, 534, 535, 538)  # RFC 4954: authentication required / too weak / failed


@dataclass(frozen=True)
class Result:
    """One transaction's answer per recipient: the server's reply text."""

    accepted: dict[str, str]
    permanent: dict[str, str]
    temporary: dict[str, str]
    stop: bool = False

    def masked(self, mask: Callable[[str], str]) -> Result:
        """Every reply passed through ``mask`` (secrets out) before it is stored or shown."""
        return Result({r: mask(t) for r, t in self.accepted.items()},
                      {r: mask(t) for r, t in self.permanent.items()},
                      {r: mask(t) for r, t in self.temporary.items()}, self.stop)


_LOST = (smtplib.SMTPServerDisconnected, OSError)


def transaction(
    smtp: smtplib.SMTP, drop: Callable[[], None], item: OutboxMessage, pending: list[str],
    wire: bytes,
) -> Result:
    """One SMTP transaction, step by step: MAIL, one RCPT per recipient, DATA.

    Driven by hand (not ``sendmail``) so the result is exact: a recipient is ``accepted``
    only when its RCPT got a 2xx *and* DATA ended with 250. A 421 or a hang-up during RCPT
    leaves every recipient not yet confirmed temporary (pending for the retry or the rerun),
    including those whose RCPT had been accepted: no DATA went out for them. 5xx → permanent,
    4xx and drops → temporary.
    """
    text: bytes | str
    try:
        options = _mail_options(smtp, item, pending, wire)
        code, text = smtp.mail(item.sender, options)
    except smtplib.SMTPNotSupportedError as exc:
        reason = f"not sent: {exc} (non-ASCII address or header)"
        return Result({}, dict.fromkeys(pending, reason), {})
    except _LOST as exc:
        return _lost(drop, pending, exc, "before RCPT")
    except smtplib.SMTPResponseException as exc:
        code, text = exc.smtp_code, exc.smtp_error
    if code != 250:
        return _refused_all(smtp, drop, pending, code, text)
    confirmed: list[str] = []
    failures: dict[str, tuple[int, str]] = {}
    for number, recipient in enumerate(pending):
        try:
            code, text = smtp.rcpt(recipient)
        except _LOST as exc:
            lost = _lost(drop, [r for r in pending if r not in failures], exc,
                         "during RCPT, before DATA")
            return Result({}, _permanent(failures), {**_temporary(failures), **lost.temporary})
        if code in (250, 251):
            confirmed.append(recipient)
            continue
        failures[recipient] = (code, format_reply(code, text))
        if code in AUTH_CODES:
            _reset(smtp, drop)
            return Result({}, {}, dict.fromkeys(pending, format_reply(code, text)), stop=True)
        if code == 421:  # the server is closing: nothing goes to anyone in this transaction
            drop()
            reply = f"not sent: {format_reply(code, text)} (the server hung up before DATA)"
            unconfirmed = [*confirmed, *pending[number + 1:]]
            return Result({}, _permanent(failures),
                           {**_temporary(failures), **dict.fromkeys(unconfirmed, reply)})
    if not confirmed:
        _reset(smtp, drop)
        return _classify(pending, failures, "")
    try:
        code, text = smtp.data(wire)
    except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354)
        code, text = exc.smtp_code, exc.smtp_error
    except _LOST as exc:
        lost = _lost(drop, confirmed, exc,
                     "during DATA (the server may have the message: it is resent with the "
                     "same Message-ID)")
        return Result({}, _permanent(failures), {**_temporary(failures), **lost.temporary})
    if code != 250:
        if code in AUTH_CODES:
            _reset(smtp, drop)
            return Result({}, {}, dict.fromkeys(pending, format_reply(code, text)), stop=True)
        _reset(smtp, drop, closing=code == 421)
        failures.update(dict.fromkeys(confirmed, (code, format_reply(code, text))))
        return _classify(pending, failures, "")
    return _classify(pending, failures, format_reply(code, text))


def _lost(drop: Callable[[], None], recipients: list[str], exc: BaseException, when: str) -> Result:
    drop()
    reason = f"connection lost {when}: {exc}" if str(exc) else f"connection lost {when}"
    return Result({}, {}, dict.fromkeys(recipients, reason))


def _refused_all(smtp: smtplib.SMTP, drop: Callable[[], None], pending: list[str], code: int,
                 text: bytes | str) -> Result:
    """MAIL FROM refused: every recipient gets that reply (a login wanted: stop the batch)."""
    reply = format_reply(code, text)
    if code in AUTH_CODES:
        _reset(smtp, drop)
        return Result({}, {}, dict.fromkeys(pending, reply), stop=True)
    _reset(smtp, drop, closing=code == 421)
    return _classify(pending, dict.fromkeys(pending, (code, reply)), "")


def _reset(smtp: smtplib.SMTP, drop: Callable[[], None], *, closing: bool = False) -> None:
    """RSET after a failed transaction so the session can carry the next; drop it if the
    server said it is closing (421) or RSET does not work."""
    if closing:
        drop()
        return
    try:
        smtp.rset()
    except (smtplib.SMTPException, OSError):
        drop()


def _permanent(failures: dict[str, tuple[int, str]]) -> dict[str, str]:
    return {r: reply for r, (code, reply) in failures.items() if code >= 500}


def _temporary(failures: dict[str, tuple[int, str]]) -> dict[str, str]:
    return {r: reply for r, (code, reply) in failures.items() if code < 500}


def _mail_options(smtp: smtplib.SMTP, item: OutboxMessage, pending: list[str],
                  wire: bytes) -> list[str]:
    """SIZE, and SMTPUTF8 for non-ASCII headers or addresses, 8BITMIME for an 8-bit body
    (RFC 1870/6531/6152), as ``sendmail`` would add them."""
    smtp.ehlo_or_helo_if_needed()
    eight_bit = not wire.isascii()
    utf8 = not all(a.isascii() for a in (item.sender, *pending)) or (
        eight_bit and not wire.partition(b"\r\n\r\n")[0].isascii()
    )
    options = [f"SIZE={len(wire)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    if eight_bit and smtp.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    return [*options, "SMTPUTF8"] if utf8 else options


def _classify(pending: list[str], failures: dict[str, tuple[int, str]], ok: str) -> Result:
    return Result(
        accepted={r: ok for r in pending if r not in failures},
        permanent=_permanent(failures),
        temporary=_temporary(failures),
    )


def format_reply(code: int, text: bytes | str) -> str:
    decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(decoded.split())}".strip()
