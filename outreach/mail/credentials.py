"""Passwords and OAuth2 tokens for SMTP and IMAP, never on argv, never printed or stored by us.

A password comes from, in order: ``OUTREACH_SMTP_PASSWORD`` / ``OUTREACH_IMAP_PASSWORD``; the
system keyring (the ``keyring`` package; ``outreach login smtp|imap`` stores one there);
``password_command`` from ``outreach.toml`` (run without a shell, as msmtp's passwordeval:
``pass show mail/work``; its first line of output is the password); else a prompt on the
terminal. With ``auth = "xoauth2"`` (Gmail, Microsoft 365) ``token_command`` prints an access
token and the login is SASL XOAUTH2 (``xoauth2_string``).
"""

from __future__ import annotations

import base64
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from outreach.errors import OutreachError

SERVICES = ("smtp", "imap")
AUTH_CHOICES = ("password", "xoauth2")
COMMAND_SECONDS = 60
MASK = "********"


@dataclass(frozen=True)
class Secret:
    """A password or an access token (``kind``), and where it came from (for messages)."""

    kind: str
    value: str = field(repr=False)
    origin: str = ""


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` (a server's reply, an error) with every secret in it replaced by ``********``,
    longest first, so it can be printed or stored. Each secret is also masked with its
    whitespace folded (replies are shown on one line)."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms.update((secret, " ".join(secret.split())))
    for form in sorted((f for f in forms if f), key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def secret_forms(user: str | None, secret: str | None) -> tuple[str, ...]:
    """``secret`` and the forms a server could echo back: base64 of the secret (AUTH LOGIN)
    and of the AUTH PLAIN and XOAUTH2 strings that carry it."""
    if not secret:
        return ()
    encoded = [secret, f"\0{user or ''}\0{secret}", xoauth2_string(user or "", secret)]
    return (secret, *(base64.b64encode(e.encode()).decode("ascii") for e in encoded))


def keyring_name(service: str) -> str:
    """The keyring's service name for ``smtp`` or ``imap``."""
    return f"outreach-{service}"


def env_name(service: str) -> str:
    return f"OUTREACH_{service.upper()}_PASSWORD"


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64): ``user=U^Aauth=Bearer T^A^A``."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def run_command(command: str, what: str) -> str:
    """The first line ``command`` prints (split like a shell would, run without one). Its
    output is never shown: a failure says only the command's exit status."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise OutreachError(f"{what}: cannot read the command: {exc}") from None
    if not argv:
        raise OutreachError(f"{what}: empty command")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_SECONDS,
                              stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError:
        raise OutreachError(f"{what}: {argv[0]}: command not found") from None
    except subprocess.TimeoutExpired:
        raise OutreachError(f"{what}: {argv[0]} did not finish in {COMMAND_SECONDS} s") from None
    except OSError as exc:
        raise OutreachError(f"{what}: {argv[0]}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise OutreachError(f"{what}: {argv[0]} failed (exit status {done.returncode})")
    line = done.stdout.strip().splitlines()[0].strip() if done.stdout.strip() else ""
    if not line:
        raise OutreachError(f"{what}: {argv[0]} printed nothing")
    return line


def from_keyring(service: str, user: str) -> str | None:
    """The stored password, or None (no keyring package, no backend, nothing stored)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        value = keyring.get_password(keyring_name(service), user)
    except (KeyringError, RuntimeError, OSError):
        return None
    return value or None


def store_in_keyring(service: str, user: str, password: str) -> None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise OutreachError("login: the keyring package is not installed") from None
    try:
        keyring.set_password(keyring_name(service), user, password)
    except (KeyringError, RuntimeError, OSError) as exc:
        raise OutreachError(f"login: the system keyring refused the password: {exc}; set "
                            f"{env_name(service)} or password_command instead") from None


def obtain(service: str, user: str, *, auth: str = "password",
           password_command: str | None = None, token_command: str | None = None,
           prompt: Callable[[str], str] | None = None, who: str = "") -> Secret:
    """The secret to log in as ``user`` to ``service`` (``smtp``/``imap``), see the module doc.

    ``prompt(text)`` asks on the terminal; without one (no terminal) a missing password is
    an error naming where it can come from (``who`` starts it: ``--user ada``).
    """
    section = f"[{service}]"
    if auth not in AUTH_CHOICES:
        raise OutreachError(f"{section} auth: use one of {', '.join(AUTH_CHOICES)}")
    if auth == "xoauth2":
        if not token_command:
            raise OutreachError(f"{section} auth = \"xoauth2\" needs token_command (a command "
                                "that prints an access token)")
        return Secret("xoauth2", run_command(token_command, f"{section} token_command"),
                      "token_command")
    value = os.environ.get(env_name(service))
    if value:
        return Secret("password", value, env_name(service))
    value = from_keyring(service, user)
    if value:
        return Secret("password", value, "keyring")
    if password_command:
        return Secret("password", run_command(password_command, f"{section} password_command"),
                      "password_command")
    if prompt is None:
        raise OutreachError(
            f"{who or f'{service} login for {user}'}: set {env_name(service)}, store the "
            f"password with `outreach login {service} --user {user}`, or set password_command "
            f"in outreach.toml {section} (no terminal to ask for the password)")
    return Secret("password", prompt(f"{service.upper()} password for {user}"), "prompt")


def terminal_prompt() -> Callable[[str], str] | None:
    """A hidden-input prompt on stderr when there is a terminal, else None."""
    if not sys.stdin.isatty():
        return None
    import getpass

    return lambda text: getpass.getpass(text + ": ", stream=sys.stderr)
