"""SMTP AUTH with UTF-8 user names and passwords (RFC 4616 PLAIN, LOGIN, CRAM-MD5), and XOAUTH2.

``smtplib.SMTP.login`` encodes the SASL string as ASCII, so a password such as ``hünter2`` was
a ``UnicodeEncodeError`` traceback; SASL (RFC 4422) carries UTF-8, which is what servers
compare. The mechanisms are tried in smtplib's order among those the server offers; a
refusal is ``smtplib.SMTPAuthenticationError`` as with ``login``.
"""

from __future__ import annotations

import base64
import hmac
import smtplib
from collections.abc import Callable

Reply = tuple[int, bytes]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _plain(smtp: smtplib.SMTP, user: str, password: str) -> Reply:
    return smtp.docmd("AUTH", "PLAIN " + _b64(f"\0{user}\0{password}".encode()))


def _login(smtp: smtplib.SMTP, user: str, password: str) -> Reply:
    code, text = smtp.docmd("AUTH", "LOGIN")
    for answer in (user, password):
        if code != 334:
            return code, text
        code, text = smtp.docmd(_b64(answer.encode()))
    return code, text


def _cram_md5(smtp: smtplib.SMTP, user: str, password: str) -> Reply:
    code, text = smtp.docmd("AUTH", "CRAM-MD5")
    if code != 334:
        return code, text
    challenge = base64.b64decode(text)
    digest = hmac.new(password.encode(), challenge, "md5").hexdigest()
    return smtp.docmd(_b64(f"{user} {digest}".encode()))


MECHANISMS: tuple[tuple[str, Callable[[smtplib.SMTP, str, str], Reply]], ...] = (
    ("CRAM-MD5", _cram_md5), ("PLAIN", _plain), ("LOGIN", _login))


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in as ``user``, UTF-8 throughout; ``SMTPAuthenticationError`` when refused."""
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    offered = smtp.esmtp_features["auth"].upper().split()
    refusal: Reply | None = None
    for name, mechanism in MECHANISMS:
        if name not in offered:
            continue
        code, text = mechanism(smtp, user, password)
        if code in (235, 503):  # 503: already authenticated
            return
        refusal = (code, text)
    if refusal is None:
        raise smtplib.SMTPException("No suitable authentication method found.")
    raise smtplib.SMTPAuthenticationError(*refusal)


def xoauth2_login(smtp: smtplib.SMTP, user: str, token: str) -> None:
    """AUTH XOAUTH2 (Gmail, Microsoft 365): the SASL string as the initial response; a
    334 error challenge is answered with an empty line, as the mechanism requires."""
    from outreach.mail.credentials import xoauth2_string

    sasl = xoauth2_string(user, token)

    def respond(challenge: bytes | None = None) -> str:
        return sasl if challenge is None else ""

    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    smtp.auth("XOAUTH2", respond, initial_response_ok=True)
