"""Real mail servers on loopback: Dovecot for IMAP, aiosmtpd for SMTP.

Dovecot runs from a throwaway config in a temp dir (no system paths, no system
daemon needed). Any user name logs in with the shared password, and each test
uses its own user, so each test starts from empty mailboxes.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from connectors.email import EmailConfig, EmailConnector

PASSWORD = "imap-test-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dovecot_binary() -> str:
    found = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None)
    if found is None:
        pytest.fail("Dovecot is not installed, so the IMAP tests cannot start their server. "
                    "`bash .ci/run` installs it (Debian package dovecot-imapd); locally: "
                    "apt-get install dovecot-imapd", pytrace=False)
    return found


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:
        # Dovecot refuses mail access as root; mail is owned by nobody.
        mail_user = pwd.getpwnam("nobody")
        internal = "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
        os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        internal = (f"default_internal_user = {mail_user.pw_name}\n"
                    f"default_login_user = {mail_user.pw_name}\n")
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
{internal}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    root: Path

    def connect(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, PASSWORD)
        return conn

    def deliver(self, user: str, raw: bytes, mailbox: str = "INBOX") -> int:
        """Append a message as an MTA would deliver it; its UID."""
        conn = self.connect(user)
        try:
            if mailbox != "INBOX":
                conn.create(f'"{mailbox}"')  # NO if it exists: fine
            typ, data = conn.append(f'"{mailbox}"', None, None, raw)
            assert typ == "OK", data
            code = data[0].decode()  # [APPENDUID <validity> <uid>] Append completed
            return int(code.split("APPENDUID ", 1)[1].split("]", 1)[0].split()[1])
        finally:
            conn.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[ImapServer]:
    binary = _dovecot_binary()
    root = Path(tempfile.mkdtemp(prefix="tradehub-dovecot-"))
    root.chmod(0o755)  # the unprivileged mail user must reach its maildir
    (root / "mail").mkdir()
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port))
    proc = subprocess.Popen([binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    server = ImapServer("127.0.0.1", port, root)
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"dovecot exited ({proc.returncode}): {out}\n{server.log()}",
                            pytrace=False)
            try:
                socket.create_connection((server.host, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"dovecot did not listen on {port}:\n{server.log()}")
                time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mail_user() -> str:
    return f"sales-{uuid.uuid4().hex[:10]}@example.test"


@dataclass
class Received:
    envelopes: list[Envelope] = field(default_factory=list)


class _Recorder:
    def __init__(self, received: Received) -> None:
        self.received = received

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    received: Received


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    received = Received()
    port = _free_port()
    controller = Controller(_Recorder(received), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, received)
    finally:
        controller.stop()


ConnectorFactory = Callable[..., EmailConnector]


@pytest.fixture
def make_connector(dovecot: ImapServer, mail_user: str) -> Iterator[ConnectorFactory]:
    """New connectors on the test's mailbox, as after a process restart; closed at the end."""
    made: list[EmailConnector] = []

    def make(**overrides: object) -> EmailConnector:
        settings: dict[str, object] = {
            "imap_host": dovecot.host, "imap_port": dovecot.port, "imap_security": "none",
            "username": mail_user, "password": PASSWORD, "timeout_seconds": 10,
        }
        settings.update(overrides)
        connector = EmailConnector(EmailConfig.model_validate(settings), system="mailbox")
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
