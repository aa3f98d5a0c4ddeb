"""One IMAP session on top of imaplib: select, search by UID, fetch, IDLE.

imaplib errors are translated here so the connector only sees TradeHub errors:
a dropped connection or timeout is ``RetriableError``, refused credentials
``AuthError``, a refused command (unknown mailbox) ``FatalError``.
"""

from __future__ import annotations

import imaplib
import logging
import select
import ssl
from collections.abc import Callable, Sequence
from typing import TypeVar

from connectors.email.config import EmailConfig
from connectors.email.fetchparse import Value, parse_fetch
from hub.errors import AuthError, FatalError, RetriableError

log = logging.getLogger(__name__)
T = TypeVar("T")

FetchItems = dict[str, Value]

# imaplib before Python 3.14 has no IDLE; registering the name lets _command send it.
imaplib.Commands.setdefault("IDLE", ("AUTH", "SELECTED"))


def quote_mailbox(name: str) -> str:
    """imaplib sends arguments verbatim; a name with spaces must be a quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _buffered(conn: imaplib.IMAP4) -> bool:
    """Whether a response already sits in imaplib's read buffer (or TLS's), where a
    select() on the socket cannot see it. Peeks without blocking."""
    sock = conn.sock
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    previous = sock.gettimeout()
    sock.settimeout(0.0)
    try:
        return bool(conn.file.peek(1))  # type: ignore[attr-defined]
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    finally:
        sock.settimeout(previous)


class ImapSession:
    def __init__(self, config: EmailConfig, *, system: str) -> None:
        assert config.imap_host is not None and config.username and config.password
        self.config = config
        self.system = system
        self.selected: str | None = None
        self.capabilities: frozenset[str] = frozenset()
        self._conn = self._guard(self._connect, "connect")

    # -- plumbing ----------------------------------------------------------------
    def _connect(self) -> imaplib.IMAP4:
        cfg = self.config
        assert cfg.imap_host is not None and cfg.username and cfg.password
        timeout = cfg.timeout_seconds
        if cfg.imap_security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(cfg.imap_host, cfg.imap_port,
                                                    ssl_context=ssl.create_default_context(),
                                                    timeout=timeout)
        else:
            conn = imaplib.IMAP4(cfg.imap_host, cfg.imap_port, timeout=timeout)
            if cfg.imap_security == "starttls":
                conn.starttls(ssl.create_default_context())
        try:
            conn.login(cfg.username, cfg.password.get_secret_value())
        except imaplib.IMAP4.error as exc:
            conn.shutdown()
            raise AuthError(f"{self.system}: IMAP login refused for {cfg.username}",
                            system=self.system, detail=str(exc)) from exc
        # Servers announce new capabilities (IDLE, UIDPLUS) only after login.
        typ, data = conn.capability()
        if typ == "OK" and data and data[0]:
            conn.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
        self.capabilities = frozenset(conn.capabilities)
        log.info("imap connected", extra={"system": self.system, "host": cfg.imap_host,
                                          "idle": "IDLE" in self.capabilities})
        return conn

    def _guard(self, call: Callable[[], T], what: str) -> T:
        try:
            return call()
        except (AuthError, FatalError, RetriableError):
            raise
        except imaplib.IMAP4.abort as exc:
            raise RetriableError(f"{self.system}: IMAP connection lost during {what}",
                                 system=self.system, detail=str(exc)) from exc
        except imaplib.IMAP4.error as exc:
            raise FatalError(f"{self.system}: IMAP server refused {what}: {exc}",
                             system=self.system, detail=str(exc)) from exc
        except (OSError, EOFError) as exc:  # refused, reset, timeout, TLS failures
            raise RetriableError(f"{self.system}: IMAP server unreachable during {what}: "
                                 f"{type(exc).__name__}", system=self.system) from exc

    def _ok(self, typ: str, data: Sequence[object], what: str) -> None:
        if typ != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise FatalError(f"{self.system}: IMAP {what} failed: {detail}", system=self.system)

    # -- commands ----------------------------------------------------------------
    def examine(self, mailbox: str) -> tuple[int, int | None]:
        """Open ``mailbox`` read-only; its (UIDVALIDITY, UIDNEXT)."""
        def call() -> tuple[int, int | None]:
            typ, data = self._conn.select(quote_mailbox(mailbox), readonly=True)
            self._ok(typ, data, f"EXAMINE {mailbox!r}")
            _, validity = self._conn.response("UIDVALIDITY")
            _, uidnext = self._conn.response("UIDNEXT")
            if not validity or validity[0] is None:
                raise FatalError(f"{self.system}: server sent no UIDVALIDITY for {mailbox!r}",
                                 system=self.system)
            self.selected = mailbox
            nxt = uidnext[0] if uidnext and uidnext[0] is not None else None
            return int(validity[0]), int(nxt) if nxt is not None else None
        return self._guard(call, f"EXAMINE {mailbox!r}")

    def search(self, *criteria: str) -> list[int]:
        def call() -> list[int]:
            typ, data = self._conn.uid("SEARCH", *criteria)
            self._ok(typ, data, "UID SEARCH")
            found = b" ".join(d for d in data if isinstance(d, bytes)).split()
            return sorted({int(uid) for uid in found if uid.isdigit()})
        return self._guard(call, "UID SEARCH")

    def uids_after(self, last_uid: int) -> list[int]:
        # "N:*" always matches the highest UID even when it is below N, hence the filter.
        return [uid for uid in self.search("UID", f"{last_uid + 1}:*") if uid > last_uid]

    def fetch(self, uids: Sequence[int], items: str) -> dict[int, FetchItems]:
        """``UID FETCH``; result by UID (messages expunged meanwhile are simply absent)."""
        if not uids:
            return {}

        def call() -> dict[int, FetchItems]:
            typ, data = self._conn.uid("FETCH", ",".join(str(u) for u in uids), items)
            self._ok(typ, data, "UID FETCH")
            out: dict[int, FetchItems] = {}
            for _seq, fetched in parse_fetch(data):  # type: ignore[arg-type]
                uid = fetched.get("UID")
                if isinstance(uid, str) and uid.isdigit():
                    out[int(uid)] = fetched
            return out
        return self._guard(call, "UID FETCH")

    def idle(self, seconds: float) -> bool:
        """Wait in IDLE until the server reports anything or ``seconds`` pass.

        Any untagged response counts as a wake-up (the caller re-runs its UID search
        rather than interpreting it). Returns False on timeout. Requires a selected
        mailbox and the IDLE capability.
        """
        conn = self._conn

        def call() -> bool:
            tag = conn._command("IDLE")  # type: ignore[attr-defined]
            woke = False
            while True:  # continuation "+ idling"; untagged lines may precede it
                line = conn._get_line()  # type: ignore[attr-defined]
                if line.startswith(b"+"):
                    break
                if line.startswith(tag):
                    raise FatalError(f"{self.system}: server refused IDLE: {line!r}",
                                     system=self.system)
                woke = True
            if not woke:
                woke = _buffered(conn) or bool(select.select([conn.sock], [], [], seconds)[0])
            conn.send(b"DONE\r\n")
            typ, data = conn._command_complete("IDLE", tag)  # type: ignore[attr-defined]
            self._ok(typ, data, "IDLE")
            return woke
        return self._guard(call, "IDLE")

    def close(self) -> None:
        try:
            self._conn.logout()
        except (imaplib.IMAP4.error, OSError, EOFError):
            pass
