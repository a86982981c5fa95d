"""A real IMAP server on 127.0.0.1 for the tests: Debian's dovecot, with its own config in a
temporary folder (a passwd-file user, a free port, plaintext auth on loopback only, no system
service), stopped afterwards.

XOAUTH2 is real too: dovecot's xoauth2 mechanism hands the bearer token to the passdb as the
password, so the passwd-file user ``oauth`` whose password is the token logs in only with the
exact SASL string ``user=oauth^Aauth=Bearer <token>^A^A``. The user ``juergen`` has a UTF-8
password.

``dovecot_server(binary, tls=True)`` is the same server with TLS only (``ssl = required``,
STARTTLS on the imap port and an imaps port) on a self-signed certificate for 127.0.0.1 made
with openssl (``Imap.ca_file``), and folders named as a German client has them: ``Entwürfe``
is ``\\Drafts`` and ``Gesendete Objekte`` is ``\\Sent`` (SPECIAL-USE); there is no
``Drafts``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smtp_server import free_port

USER, PASSWORD = "ada", "s3cret-imap"
OAUTH_USER, TOKEN = "oauth", "ya29.test-token-123"
UTF8_USER, UTF8_PASSWORD = "juergen", "pässwörd-€-ü"  # dovecot: ASCII user names
GERMAN_FOLDERS = ("Entwürfe", "Gesendete Objekte")


@dataclass
class Imap:
    host: str
    port: int
    root: Path
    tls_port: int = 0  # imaps (TLS from the first byte), when started with tls=True
    ca_file: Path | None = None

    @property
    def folders(self) -> tuple[str, ...]:
        return ("INBOX", *GERMAN_FOLDERS) if self.tls_port else ("INBOX", "Drafts")

    def url(self, folder: str = "INBOX", user: str = USER, *, imaps: bool = False) -> str:
        if imaps:
            return f"imaps://{user}@{self.host}:{self.tls_port}/{folder}"
        return f"imap://{user}@{self.host}:{self.port}/{folder}"

    def client(self, user: str = USER, password: str = PASSWORD) -> Any:
        """An imapclient connection (STARTTLS on the TLS server), logged in."""
        import ssl

        from imapclient import IMAPClient

        imap = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        if self.ca_file is not None:
            imap.starttls(ssl.create_default_context(cafile=str(self.ca_file)))
        imap.login(user, password)
        return imap

    def deliver(self, messages: list[bytes], folder: str = "INBOX") -> None:
        imap = self.client()
        try:
            for raw in messages:
                imap.append(folder, raw)
        finally:
            imap.logout()

    def folder(self, folder: str) -> list[tuple[bytes, bytes]]:
        """(flags, bytes) of every message in ``folder``."""
        imap = self.client()
        try:
            imap.select_folder(folder, readonly=True)
            got = imap.fetch(imap.search(["ALL"]), ["FLAGS", "BODY.PEEK[]"])
            return [(b" ".join(got[uid][b"FLAGS"]), got[uid][b"BODY[]"]) for uid in sorted(got)]
        finally:
            imap.logout()

    def reset(self) -> None:
        """Empty every folder (a test module shares one server)."""
        imap = self.client()
        try:
            for name in self.folders:
                if imap.select_folder(name)[b"EXISTS"]:
                    imap.delete_messages(imap.search(["ALL"]))
                    imap.expunge()
        finally:
            imap.logout()


def _self_signed(root: Path) -> Path:
    """A certificate for 127.0.0.1 that is its own CA (openssl), and its key."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
                    "-subj", "/CN=outreach test IMAP", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-addext",
                    "basicConstraints=critical,CA:TRUE", "-addext",
                    "keyUsage=critical,keyCertSign,digitalSignature,keyEncipherment"],
                   check=True, capture_output=True, timeout=60)
    (root / "key.pem").chmod(0o644)  # the login process runs as the mail user
    return root / "cert.pem"


def _tls(root: Path, tls_port: int) -> tuple[str, str, str]:
    """(ssl settings, imaps port, mailboxes) of the TLS server."""
    settings = f"ssl = required\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
    mailboxes = """  mailbox Entwürfe {
    special_use = \\Drafts
    auto = create
  }
  mailbox "Gesendete Objekte" {
    special_use = \\Sent
    auto = create
  }"""
    return settings, str(tls_port), mailboxes


def _config(root: Path, port: int, owner: str, tls_port: int = 0) -> str:
    settings, imaps, mailboxes = _tls(root, tls_port) if tls_port else (
        "ssl = no\ndisable_plaintext_auth = no", "0",
        "  mailbox Drafts {\n    special_use = \\Drafts\n    auto = create\n  }")
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{settings}
auth_mechanisms = plain login xoauth2
first_valid_uid = 0
mail_uid = {owner}
mail_gid = {owner}
default_internal_user = {owner if os.geteuid() else "dovecot"}
default_login_user = {owner if os.geteuid() else "dovenull"}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={owner} gid={owner} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
{mailboxes}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
"""


@contextlib.contextmanager
def dovecot_server(binary: str, *, tls: bool = False) -> Iterator[Imap]:
    """Start dovecot on a free loopback port (and an imaps one, TLS only, with ``tls``); stop
    it and remove its folder afterwards."""
    root = Path(tempfile.mkdtemp(prefix="outreach-dovecot-"))
    root.chmod(0o755)  # the mail user (dovecot when we are root) must reach its home
    owner = "dovecot" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "home", owner, owner)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n"
                                 f"{OAUTH_USER}:{{PLAIN}}{TOKEN}::::::\n"
                                 f"{UTF8_USER}:{{PLAIN}}{UTF8_PASSWORD}::::::\n",
                                 encoding="utf-8")
    port, tls_port = free_port(), free_port() if tls else 0
    ca_file = _self_signed(root) if tls else None
    (root / "dovecot.conf").write_text(_config(root, port, owner, tls_port), encoding="utf-8")
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True, timeout=30)
    server = Imap("127.0.0.1", port, root, tls_port, ca_file)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                server.client().logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text(errors="replace")
                    raise RuntimeError(f"dovecot did not start:\n{log}") from None
                time.sleep(0.1)
        yield server
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
