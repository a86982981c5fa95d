"""Deliver a folder of ``.eml`` files (or an mbox) over SMTP, each message exactly once.

The guarantee, stated honestly. SMTP has no transaction that spans both sides: when the
connection breaks after the client sent the message's final dot and before it read the server's
``250``, the client cannot know whether the message was accepted. So, per (Message-ID,
recipient), the ledger records ``sending`` *before* the SMTP transaction and ``sent`` after it:

- a delivery recorded ``sent`` is never sent again (reruns, a second ``--send``, the same
  message in another file or mbox);
- a delivery left ``sending`` (the process was killed, the connection dropped mid-transaction)
  is ambiguous and is sent again **with the same Message-ID**; receiving servers and mail clients
  (Gmail, Outlook, Apple Mail, Thunderbird) collapse copies with one Message-ID, so the reader
  sees one message. At the wire it is at-least-once; by Message-ID it is exactly-once;
- nothing is lost: every delivery ends ``sent`` or in ``failed.csv`` with the server's reply.

A first Ctrl-C (``should_stop``) lets the current transaction finish, so an interrupted run does
not even create the ambiguous case; only a kill or a network failure mid-DATA can.

Replies: per-recipient ``5xx`` → ``failed-permanent`` and the batch goes on; ``4xx`` (or a drop)
→ retried with exponential backoff, at most ``max_attempts`` times, then ``failed-temporary``
(a rerun retries it). Connection-level problems (TLS not trusted, login refused, server
unreachable) stop the batch with an ``OutreachError``; what was sent stays recorded.
"""

from __future__ import annotations

import contextlib
import ipaddress
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from outreach.errors import OutreachError
from outreach.ledger import Ledger
from outreach.mail.outbox import OutboxMessage, PlannedMessage

SECURITY_CHOICES = ("starttls", "ssl", "none")
_AUTH_CODES = (530, 534, 535, 538)  # RFC 4954: authentication required / too weak / failed
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


# ---------------------------------------------------------------- settings and connection


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect. The password is never shown (``repr=False``)."""

    host: str = "localhost"
    port: int | None = None
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout: float = 60.0

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.effective_port}"

    def check(self) -> None:
        """Refuse settings that would leak the password or cannot work."""
        if self.security not in SECURITY_CHOICES:
            raise OutreachError(f"--security: use one of {', '.join(SECURITY_CHOICES)}")
        if self.user and self.security == "none" and not _is_loopback(self.host):
            raise OutreachError(
                f"--security none: refusing to send the password for {self.user} unencrypted "
                f"to {self.host}; use --security starttls or ssl"
            )

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host-name verification on; ``ca_file`` trusts a private CA."""
        try:
            return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise OutreachError(f"--ca-file {self.ca_file}: cannot load: {exc}") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _ReplyMixin:
    """Keeps the server's answer to DATA (smtplib's ``sendmail`` discards it)."""

    last_data_reply: tuple[int, bytes] = (0, b"")

    def data(self, msg: Any) -> tuple[int, bytes]:
        reply: tuple[int, bytes] = super().data(msg)  # type: ignore[misc]
        self.last_data_reply = reply
        return reply


class _SMTP(_ReplyMixin, smtplib.SMTP):
    pass


class _SMTPS(_ReplyMixin, smtplib.SMTP_SSL):
    pass


class _Unreachable(Exception):
    """Connecting failed in a way that may pass (refused, timeout, reset)."""


class Connection:
    """One SMTP session reused for the batch, reopened after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: _SMTP | _SMTPS | None = None

    def session(self) -> _SMTP | _SMTPS:
        if self._smtp is None or self._smtp.sock is None:
            self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> _SMTP | _SMTPS:
        s = self.settings
        smtp: _SMTP | _SMTPS | None = None
        try:
            if s.security == "ssl":
                smtp = _SMTPS(s.host, s.effective_port, timeout=s.timeout,
                              context=s.tls_context())
            else:
                smtp = _SMTP(s.host, s.effective_port, timeout=s.timeout)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=s.tls_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
            return smtp
        except ssl.SSLCertVerificationError as exc:
            raise OutreachError(
                f"SMTP server {s.address}: TLS certificate not trusted ({exc.verify_message}); "
                "use --ca-file for a private CA"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise OutreachError(
                f"SMTP server {s.address} does not offer STARTTLS; use --security ssl, or "
                "--security none on a trusted local relay"
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise OutreachError(
                f"SMTP server {s.address} refused the login for {s.user}: {_reply(exc)}"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            _close_quietly(smtp)
            raise _Unreachable(f"cannot reach SMTP server {s.address}: {exc}") from None

    def drop(self) -> None:
        _close_quietly(self._smtp)
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None and self._smtp.sock is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
        self.drop()


def _close_quietly(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


def _reply(exc: Exception) -> str:
    code = getattr(exc, "smtp_code", "")
    text = getattr(exc, "smtp_error", b"")
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}".strip() or str(exc)


def _format_reply(code: int, text: bytes | str) -> str:
    decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(decoded.split())}".strip()


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendOptions:
    """Batch behaviour. ``rate`` is messages per second (None: as fast as the server takes)."""

    rate: float | None = None
    limit: int | None = None
    max_attempts: int = 4
    backoff: float = 1.0
    today: date | None = None


@dataclass
class Outcome:
    """What happened to one message's pending recipients."""

    item: OutboxMessage
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass
class BatchSummary:
    sent: int = 0
    skipped_sent: int = 0
    skipped_failed: int = 0
    failed: int = 0
    not_attempted: int = 0
    interrupted: bool = False
    failed_csv: Path | None = None
    error: OutreachError | None = None


def send_batch(
    plan: list[PlannedMessage],
    ledger: Ledger,
    settings: SmtpSettings,
    options: SendOptions = SendOptions(),
    *,
    on_outcome: Callable[[Outcome], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> BatchSummary:
    """Send every planned message that still has pending recipients; see the module doc."""
    settings.check()
    summary = _skipped(plan)
    todo = [p for p in plan if p.pending]
    if options.limit is not None:
        summary.not_attempted = max(0, len(todo) - options.limit)
        todo = todo[: options.limit]
    connection = Connection(settings)
    throttle = _Throttle(options.rate)
    with ledger.exclusive():
        try:
            for index, planned in enumerate(todo):
                if should_stop():
                    summary.interrupted = True
                    summary.not_attempted += len(todo) - index
                    break
                throttle.wait()
                try:
                    outcome = _deliver(planned, ledger, connection, options)
                except OutreachError as exc:  # TLS, login, server gone: stop, keep the record
                    summary.error = exc
                    summary.not_attempted += len(todo) - index
                    break
                summary.sent += len(outcome.sent)
                summary.failed += len(outcome.failed)
                if on_outcome is not None:
                    on_outcome(outcome)
        finally:
            connection.close()
    return summary


def _skipped(plan: list[PlannedMessage]) -> BatchSummary:
    return BatchSummary(
        skipped_sent=sum(p.already_sent for p in plan),
        skipped_failed=sum(p.failed_permanently for p in plan),
    )


class _Throttle:
    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_start = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        if now < self.next_start:
            time.sleep(self.next_start - now)
        self.next_start = max(now, self.next_start) + self.interval


def _deliver(
    planned: PlannedMessage, ledger: Ledger, connection: Connection, options: SendOptions
) -> Outcome:
    """Send one message to its pending recipients, retrying 4xx and drops with backoff."""
    item = planned.item
    outcome = Outcome(item)
    pending = list(planned.pending)
    for attempt in range(options.max_attempts):
        if attempt:
            time.sleep(options.backoff * 2 ** (attempt - 1))
        try:
            smtp = connection.session()
        except _Unreachable as exc:
            if attempt + 1 == options.max_attempts:
                raise OutreachError(f"{exc}; rerun to send the rest", exit_code=1) from None
            continue
        with ledger.write():  # one durable write before the wire: queued and sending
            ledger.queue_message(item.message_id, pending, item.subject, item.source)
            ledger.mark_sending(item.message_id, pending)
        result = _transaction(smtp, connection, item, pending)
        _record(ledger, item, result, options.today or date.today())
        if result.stop:
            reply = next(iter(result.temporary.values()))
            raise OutreachError(
                f"SMTP server {connection.settings.address} refused to relay without a login "
                f"({reply}); use --user"
            )
        outcome.sent += list(result.accepted)
        outcome.failed.update(result.permanent)
        pending = list(result.temporary)
        if not pending:
            return outcome
    outcome.failed.update(result.temporary)
    return outcome


@dataclass(frozen=True)
class _Result:
    """One transaction's answer per recipient: the server's reply text."""

    accepted: dict[str, str]
    permanent: dict[str, str]
    temporary: dict[str, str]
    stop: bool = False


def _transaction(
    smtp: _SMTP | _SMTPS, connection: Connection, item: OutboxMessage, pending: list[str]
) -> _Result:
    """One SMTP transaction; 5xx → permanent, 4xx and drops → temporary."""
    try:
        refused = smtp.sendmail(item.sender, pending, item.wire, _mail_options(smtp, item, pending))
    except smtplib.SMTPNotSupportedError as exc:
        return _Result({}, dict.fromkeys(pending, f"not sent: {exc} (non-ASCII address or header)"),
                       {})
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if exc.smtp_code == 421:
            connection.drop()
        if exc.smtp_code in _AUTH_CODES:  # the server wants a login: no message would pass
            return _Result({}, {}, dict.fromkeys(pending, _reply(exc)), stop=True)
        return _classify(pending, dict.fromkeys(pending, (exc.smtp_code, _reply(exc))), "")
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        connection.drop()
        reason = f"connection lost: {exc}" if str(exc) else "connection lost"
        return _Result({}, {}, dict.fromkeys(pending, reason))
    except smtplib.SMTPResponseException as exc:
        return _classify(pending, dict.fromkeys(pending, (exc.smtp_code, _reply(exc))), "")
    failures = {r: (code, _format_reply(code, text)) for r, (code, text) in refused.items()}
    return _classify(pending, failures, _format_reply(*smtp.last_data_reply))


def _mail_options(smtp: _SMTP | _SMTPS, item: OutboxMessage, pending: list[str]) -> list[str]:
    """SMTPUTF8 for non-ASCII headers or addresses, 8BITMIME for an 8-bit body (RFC 6531/6152)."""
    eight_bit = not item.wire.isascii()
    utf8 = not all(a.isascii() for a in (item.sender, *pending)) or (
        eight_bit and not item.wire.partition(b"\r\n\r\n")[0].isascii()
    )
    if not (eight_bit or utf8):
        return []
    smtp.ehlo_or_helo_if_needed()
    options = ["BODY=8BITMIME"] if eight_bit and smtp.has_extn("8bitmime") else []
    return [*options, "SMTPUTF8"] if utf8 else options


def _classify(pending: list[str], failures: dict[str, tuple[int, str]], ok: str) -> _Result:
    return _Result(
        accepted={r: ok for r in pending if r not in failures},
        permanent={r: reply for r, (code, reply) in failures.items() if code >= 500},
        temporary={r: reply for r, (code, reply) in failures.items() if code < 500},
    )


def _record(ledger: Ledger, item: OutboxMessage, result: _Result, today: date) -> None:
    """One ledger transaction: deliveries' new states, and an ``invited`` event per recipient."""
    with ledger.write():
        for recipient, reply in result.accepted.items():
            ledger.mark_sent(item.message_id, [recipient], reply)
            key = ledger.person_for_address(recipient, item.names.get(recipient.lower(), ""))
            ledger.add_event(key, "invited", today, note=item.subject)
        for recipient, reply in result.permanent.items():
            ledger.mark_failed(item.message_id, [recipient], reply, permanent=True)
        for recipient, reply in result.temporary.items():
            ledger.mark_failed(item.message_id, [recipient], reply, permanent=False)


def parse_rate(text: str | float | int | None) -> float | None:
    """``30/min``, ``2/s``, ``500/h`` or a bare number (per minute) → messages per second."""
    if text is None or text == "":
        return None
    if isinstance(text, int | float):
        count, unit = float(text), "min"
    else:
        number, _, unit = str(text).strip().partition("/")
        try:
            count = float(number)
        except ValueError:
            raise OutreachError(f"--rate: cannot read {text!r}; use e.g. 30/min") from None
        unit = unit.strip().lower() or "min"
    seconds = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
               "h": 3600, "hour": 3600}.get(unit)
    if seconds is None or count <= 0:
        raise OutreachError(f"--rate: cannot read {text!r}; use e.g. 30/min, 2/s or 500/h")
    return count / seconds
