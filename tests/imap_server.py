"""A real IMAP server on 127.0.0.1 for the tests: Debian's dovecot, with its own config in a
temporary folder (a passwd-file user, a free port, plaintext auth on loopback only, no system
service), stopped afterwards.

XOAUTH2 is real too: dovecot's xoauth2 mechanism hands the bearer token to the passdb as the
password, so the passwd-file user ``oauth`` whose password is the token logs in only with the
exact SASL string ``user=oauth^Aauth=Bearer <token>^A^A``.
"""

from __future__ import annotations

import contextlib
import imaplib
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

from smtp_server import free_port

USER, PASSWORD = "ada", "s3cret-imap"
OAUTH_USER, TOKEN = "oauth", "ya29.test-token-123"


@dataclass
class Imap:
    host: str
    port: int
    root: Path

    def url(self, folder: str = "INBOX", user: str = USER) -> str:
        return f"imap://{user}@{self.host}:{self.port}/{folder}"

    def client(self, user: str = USER, password: str = PASSWORD) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(user, password)
        return imap

    def deliver(self, messages: list[bytes], folder: str = "INBOX") -> None:
        imap = self.client()
        try:
            for raw in messages:
                imap.append(folder, None, None, raw)
        finally:
            imap.logout()

    def folder(self, folder: str) -> list[tuple[bytes, bytes]]:
        """(flags, bytes) of every message in ``folder``."""
        imap = self.client()
        try:
            imap.select(folder, readonly=True)
            _, data = imap.uid("SEARCH", "ALL")
            out = []
            for uid in data[0].split():
                _, got = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                out.append((got[0][0], got[0][1]))
            return out
        finally:
            imap.logout()

    def reset(self) -> None:
        """Empty every folder (a test module shares one server)."""
        imap = self.client()
        try:
            for name in ("INBOX", "Drafts"):
                _, count = imap.select(name)
                if int(count[0] or 0):
                    imap.store("1:*", "+FLAGS", "\\Deleted")
                    imap.expunge()
        finally:
            imap.logout()


def _config(root: Path, port: int, owner: str) -> str:
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
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
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
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
def dovecot_server(binary: str) -> Iterator[Imap]:
    """Start dovecot on a free loopback port; stop it and remove its folder afterwards."""
    root = Path(tempfile.mkdtemp(prefix="outreach-dovecot-"))
    root.chmod(0o755)  # the mail user (dovecot when we are root) must reach its home
    owner = "dovecot" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "home", owner, owner)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n"
                                 f"{OAUTH_USER}:{{PLAIN}}{TOKEN}::::::\n", encoding="utf-8")
    port = free_port()
    (root / "dovecot.conf").write_text(_config(root, port, owner), encoding="utf-8")
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True, timeout=30)
    server = Imap("127.0.0.1", port, root)
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
