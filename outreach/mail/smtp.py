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

What "sent" means: the transaction is driven step by step (MAIL, one RCPT per recipient, DATA),
not with ``smtplib.sendmail``, and a recipient is ``sent`` only when its RCPT was accepted *and*
DATA ended with ``250``. A ``421`` or a hang-up during RCPT leaves every recipient of that message
not yet confirmed pending (``sendmail`` hung up and reported only the refused one, so the others
were recorded sent with no DATA). Also, before anything goes out: the plan is made under the
ledger's run lock (``Ledger.exclusive``, after any password prompt) and each message's recipients
are checked against the ledger again; the ledger file's identity is checked before each message
(deleted or replaced: stop, nothing more sent); a plan with a message the campaign's plan no
longer holds is refused whole (``outbox.check_sendable``); ``Date:`` is set at send time.

Replies: per-recipient ``5xx`` → ``failed-permanent`` and the batch goes on; ``4xx`` (or a drop)
→ retried with exponential backoff, at most ``max_attempts`` times, then ``failed-temporary``
(a rerun retries it). Connection-level problems (TLS not trusted, login refused, server
unreachable) stop the batch with an ``OutreachError``; what was sent stays recorded.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from pathlib import Path

from outreach.errors import OutreachError
from outreach.ledger import Ledger
from outreach.mail import smtpauth
from outreach.mail.credentials import mask_secrets, secret_forms
from outreach.mail.imap import is_loopback
from outreach.mail.itip import sent_uids
from outreach.mail.outbox import OutboxMessage, PlannedMessage, check_sendable, with_date
from outreach.mail.transaction import Result, transaction

SECURITY_CHOICES = ("starttls", "ssl", "none")
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
    auth: str = "password"  # or "xoauth2": ``password`` holds the access token

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.effective_port}"

    def masked(self, text: str) -> str:
        """``text`` from the server with the password or token (in any form it was sent
        in) masked: what is printed or stored never holds it."""
        return mask_secrets(text, secret_forms(self.user, self.password))

    def check(self) -> None:
        """Refuse settings that would leak the password or cannot work."""
        if self.security not in SECURITY_CHOICES:
            raise OutreachError(f"use one of {', '.join(SECURITY_CHOICES)}", field="security")
        if self.user and self.security == "none" and not is_loopback(self.host):
            raise OutreachError(
                f"none: refusing to send the password for {self.user} unencrypted to "
                f"{self.host}; use starttls or ssl", field="security")

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host-name verification on; ``ca_file`` trusts a private CA."""
        try:
            return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise OutreachError(f"{self.ca_file}: cannot load: {exc}", field="ca_file") from None


_SMTP = smtplib.SMTP
_SMTPS = smtplib.SMTP_SSL


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
                if not smtp.has_extn("starttls"):
                    raise OutreachError(
                        f"SMTP server {s.address} does not offer STARTTLS; use --security "
                        "ssl, or --security none on a trusted local relay")
                smtp.starttls(context=s.tls_context())
                smtp.ehlo()
            if s.user and not smtp.has_extn("auth"):
                raise OutreachError(
                    f"SMTP server {s.address} does not offer a login (no AUTH"
                    f"{' after STARTTLS' if s.security == 'starttls' else ''}); leave out "
                    "--user for a relay that needs none, or check --smtp-host and --port")
            if s.user and s.auth == "xoauth2":
                smtpauth.xoauth2_login(smtp, s.user, s.password or "")
            elif s.user:
                smtpauth.login(smtp, s.user, s.password or "")
            return smtp
        except ssl.SSLCertVerificationError as exc:
            raise OutreachError(
                f"SMTP server {s.address}: TLS certificate not trusted ({exc.verify_message}); "
                "use --ca-file for a private CA"
            ) from None
        except OutreachError:
            _close_quietly(smtp)
            raise
        except smtplib.SMTPNotSupportedError as exc:
            _close_quietly(smtp)
            raise OutreachError(
                f"SMTP server {s.address}: not supported: {s.masked(str(exc))}") from None
        except smtplib.SMTPAuthenticationError as exc:
            _close_quietly(smtp)
            raise OutreachError(
                f"SMTP server {s.address} refused the login for {s.user}: "
                f"{s.masked(_reply(exc))}") from None
        except (OSError, smtplib.SMTPException) as exc:
            _close_quietly(smtp)
            raise _Unreachable(
                f"cannot reach SMTP server {s.address}: {s.masked(str(exc))}") from None

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


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendOptions:
    """Batch behaviour. ``rate`` is messages per second (None: as fast as the server takes).

    ``zone`` is the sender's zone for the ``Date:`` header set at send time (None: the
    computer's); ``now`` is for tests (a clock that returns an aware datetime), as are
    ``clock`` and ``sleep`` (what the rate limit and the retry backoff measure and wait with).
    """

    rate: float | None = None
    limit: int | None = None
    max_attempts: int = 4
    backoff: float = 1.0
    today: date | None = None
    zone: tzinfo | None = None
    now: Callable[[], datetime] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def send_time(self) -> datetime:
        moment = self.now() if self.now is not None else datetime.now(self.zone)
        moment = moment.astimezone(self.zone) if self.zone else moment.astimezone()
        return moment.replace(microsecond=0)


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
    """Send every planned message that still has pending recipients; see the module doc.

    A plan holding a refused (stale) message is refused whole, before anything is sent. The
    ledger's run lock is held throughout (make the plan under it too: ``ledger.exclusive()``
    is re-entrant), each message's recipients are checked against the ledger again just
    before it goes out, and the ledger file's identity before each message.
    """
    settings.check()
    check_sendable(plan)
    summary = _skipped(plan)
    todo = [p for p in plan if p.pending]
    if options.limit is not None:
        summary.not_attempted = max(0, len(todo) - options.limit)
        todo = todo[: options.limit]
    connection = Connection(settings)
    throttle = _Throttle(options.rate, options.clock, options.sleep)
    with ledger.exclusive():
        try:
            for index, planned in enumerate(todo):
                if should_stop():
                    summary.interrupted = True
                    summary.not_attempted += len(todo) - index
                    break
                try:
                    ledger.check_same_file()
                    planned = _still_pending(planned, ledger)
                    if not planned.pending:  # another run sent it since the plan was made
                        summary.skipped_sent += 1
                        continue
                    throttle.wait()
                    outcome = _deliver(planned, ledger, connection, options)
                except OutreachError as exc:  # TLS, login, server or ledger gone: stop
                    summary.error = exc
                    summary.not_attempted += len(todo) - index
                    break
                summary.sent += len(outcome.sent)
                summary.failed += len(outcome.failed)
                if on_outcome is not None:
                    on_outcome(outcome)
        finally:
            connection.close()
        if summary.error is None:
            try:
                ledger.check_same_file()  # the last message's record must be findable
            except OutreachError as exc:
                summary.error = exc
    return summary


def _still_pending(planned: PlannedMessage, ledger: Ledger) -> PlannedMessage:
    """``planned`` without the recipients the ledger now records ``sent`` (a plan made
    before the run lock was taken must not repeat what another run did meanwhile)."""
    known = ledger.deliveries(planned.item.message_id)
    pending = tuple(r for r in planned.pending
                    if (d := known.get(r.lower())) is None or d.state != "sent")
    return planned if pending == planned.pending else replace(planned, pending=pending)


def _skipped(plan: list[PlannedMessage]) -> BatchSummary:
    return BatchSummary(
        skipped_sent=sum(p.already_sent for p in plan),
        skipped_failed=sum(p.failed_permanently for p in plan),
    )


class _Throttle:
    """At most ``rate`` message starts per second, measured with ``clock``."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_start = 0.0
        self.clock, self.sleep = clock, sleep

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_start:
            self.sleep(self.next_start - now)
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
            options.sleep(options.backoff * 2 ** (attempt - 1))
        try:
            smtp = connection.session()
        except _Unreachable as exc:
            if attempt + 1 == options.max_attempts:
                raise OutreachError(f"{exc}; rerun to send the rest", exit_code=1) from None
            continue
        with ledger.write():  # one durable write before the wire: queued and sending
            ledger.queue_message(item.message_id, pending, item.subject, item.source)
            ledger.mark_sending(item.message_id, pending)
        wire = with_date(item.wire, options.send_time())
        result = transaction(smtp, connection.drop, item, pending, wire).masked(
            connection.settings.masked)
        _record(ledger, item, result, options.today or date.today())
        if result.stop:
            reply = next(iter(result.temporary.values()))
            if "starttls" in str(reply).lower():
                raise OutreachError(
                    f"SMTP server {connection.settings.address} requires STARTTLS before "
                    f"mail ({reply}); use --security starttls")
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


def _record(ledger: Ledger, item: OutboxMessage, result: Result, today: date) -> None:
    """One ledger transaction: deliveries' new states, an ``invited`` event per recipient and
    the calendar UIDs the message carries (so an answer from any address matches by UID,
    whichever command wrote the message)."""
    uids = sent_uids(item.wire) if result.accepted else []
    with ledger.write():
        for recipient, reply in result.accepted.items():
            ledger.mark_sent(item.message_id, [recipient], reply)
            key = ledger.person_for_address(recipient, item.names.get(recipient.lower(), ""))
            ledger.add_event(key, "invited", today, note=item.subject)
            ledger.record_sent_uids(
                (uid, item.message_id, recipient, key, sequence) for uid, sequence in uids)
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
            raise OutreachError(f"cannot read {text!r}; use e.g. 30/min", field="rate") from None
        unit = unit.strip().lower() or "min"
    seconds = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
               "h": 3600, "hour": 3600}.get(unit)
    if seconds is None or count <= 0 or count != count:
        raise OutreachError(f"cannot read {text!r}; use e.g. 30/min, 2/s or 500/h", field="rate")
    if not 1 / 3600 <= count / seconds <= 1000:
        raise OutreachError(f"{text!r} is out of range; from 1/h to 1000/s", field="rate")
    return count / seconds
