"""The email connector: inquiry mail in over IMAP (entities ``lead`` and ``activity``),
quotes and notifications out over SMTP.

``lead`` yields the mails that start a conversation; ``activity`` yields every
received mail as a conversation entry (``connectors.email.activity``). Whether a mail
continues a conversation the hub knows (a reply, a known customer writing) is the
hub's knowledge, not the mailbox's: the hub sets :attr:`EmailConnector.continues`
(``hub.leads.threads.MailThreads.continues``), and without it every mail is a lead.

Reading is exactly-once by construction: each batch's cursor holds, per mailbox, the
UIDVALIDITY and the last UID processed, plus a window of Message-ID digests. The
engine commits that cursor with the batch's leads, so a restart resumes after the
last committed mail; a changed UIDVALIDITY re-reads the mailbox, and the digests
keep the re-read mail from becoming leads again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import ClassVar

import httpx

from connectors.base import Batch, Connector, RemoteRecord
from connectors.email.activity import received_record
from connectors.email.config import EmailConfig
from connectors.email.cursor import EmailCursor, MailboxState
from connectors.email.imap import ImapSession
from connectors.email.leads import mail_record
from connectors.email.models import OutgoingEmail, ParsedEmail, SentEmail
from connectors.email.reader import read_messages
from connectors.email.smtp import send_mail
from hub.errors import FatalError

log = logging.getLogger(__name__)

FETCH_CHUNK = 100  # UIDs per FETCH command, well under servers' line limits


class EmailConnector(Connector):
    name: ClassVar[str] = "email"
    config_model: ClassVar[type[EmailConfig]] = EmailConfig  # type: ignore[assignment]
    readable: ClassVar[frozenset[str]] = frozenset({"lead", "activity"})

    def __init__(self, config: EmailConfig, *, system: str,  # type: ignore[override]
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(config, system=system, transport=transport)
        self.config: EmailConfig = config
        self._session: ImapSession | None = None
        self.continues: Callable[[ParsedEmail], bool] | None = None
        """Set by the hub: True for a mail that continues a known conversation, which
        is then logged as an activity only, not read as a new lead."""

    # -- IMAP --------------------------------------------------------------------
    def _imap(self) -> ImapSession:
        if self.config.imap_host is None:
            raise FatalError(f"{self.system} has no imap_host configured", system=self.system)
        if self._session is None:
            self._session = ImapSession(self.config, system=self.system)
        return self._session

    def _drop_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def read_changes(self, entity: str, cursor: str | None, *,
                     batch_size: int = 500) -> Iterator[Batch]:
        self.check_entity(entity)
        if entity == "activity" and self.config.imap_host is None:
            return          # a send-only system: its log entries come from the hub's sends
        try:
            yield from self._read(entity, cursor, batch_size=max(1, batch_size))
        except Exception:
            self._drop_session()  # a half-read connection is not reused
            raise

    def _read(self, entity: str, cursor: str | None, *, batch_size: int) -> Iterator[Batch]:
        state = EmailCursor.load(cursor, window=self.config.dedupe_window)
        started: set[str] = set()     # leads yielded by this read: their replies are no leads
        session = self._imap()
        changed = False
        for mailbox in self.config.mailboxes:
            uidvalidity, _ = session.examine(mailbox)
            known = state.mailboxes.get(mailbox)
            if known is not None and known.uidvalidity != uidvalidity:
                log.warning("uidvalidity changed; re-reading mailbox", extra={
                    "system": self.system, "mailbox": mailbox, "old": known.uidvalidity,
                    "new": uidvalidity})
            last = state.position(mailbox, uidvalidity)
            uids = session.uids_after(last)
            if not uids:
                if known != MailboxState(uidvalidity=uidvalidity, last_uid=last):
                    state.advance(mailbox, uidvalidity, last)
                    changed = True
                continue
            for start in range(0, len(uids), batch_size):
                chunk = uids[start:start + batch_size]
                records = self._records(session, state, mailbox, uidvalidity, chunk,
                                        entity=entity, started=started)
                state.advance(mailbox, uidvalidity, chunk[-1])
                changed = False
                yield Batch(records=records, cursor=state.dump())
        if changed:
            yield Batch(records=[], cursor=state.dump())

    def _records(self, session: ImapSession, state: EmailCursor, mailbox: str,
                 uidvalidity: int, uids: Sequence[int], *, entity: str,
                 started: set[str]) -> list[RemoteRecord]:
        records: list[RemoteRecord] = []
        skip = {addr.lower() for addr in self.config.skip_senders}
        for start in range(0, len(uids), FETCH_CHUNK):
            for mail in read_messages(session, mailbox, uidvalidity,
                                      uids[start:start + FETCH_CHUNK],
                                      max_chars=self.config.max_body_chars):
                if state.has_seen(mail.message_id):
                    log.info("duplicate message skipped", extra={
                        "system": self.system, "mailbox": mailbox, "uid": mail.uid,
                        "message_id": mail.message_id})
                    continue
                state.remember(mail.message_id)
                if not self._is_inquiry(mail, skip):
                    continue
                if entity == "activity":
                    records.append(RemoteRecord(remote_id=mail.message_id,
                                                data=received_record(mail), updated_at=mail.date))
                elif self._continues(mail, started):
                    log.info("reply or customer mail: logged, not a new lead", extra={
                        "system": self.system, "mailbox": mailbox, "uid": mail.uid})
                else:
                    started.add(mail.message_id)
                    records.append(mail_record(mail))
        return records

    def _continues(self, mail: ParsedEmail, started: set[str]) -> bool:
        if any(ref in started for ref in mail.thread_ids):
            return True
        return self.continues is not None and self.continues(mail)

    @staticmethod
    def _is_inquiry(mail: ParsedEmail, skip: set[str]) -> bool:
        return not mail.automated and not (mail.sender and mail.sender.email in skip)

    def get(self, entity: str, remote_id: str) -> RemoteRecord | None:
        """The mail with this Message-ID (as a lead or activity record), searched in every
        configured mailbox."""
        self.check_entity(entity)
        session = self._imap()
        for mailbox in self.config.mailboxes:
            uidvalidity, _ = session.examine(mailbox)
            quoted = '"' + remote_id.replace("\\", "\\\\").replace('"', '\\"') + '"'
            uids = session.search("HEADER", "Message-ID", quoted)
            for mail in read_messages(session, mailbox, uidvalidity, uids[:5],
                                      max_chars=self.config.max_body_chars):
                if mail.message_id == remote_id:
                    if entity == "activity":
                        return RemoteRecord(remote_id=remote_id, data=received_record(mail),
                                            updated_at=mail.date)
                    return mail_record(mail)
        return None

    def wait_for_mail(self, cursor: str | None) -> bool:
        """Block until new mail may be there (bounded); True if there is reason to read.

        Uses IDLE on the first configured mailbox when the server offers it (other
        mailboxes are covered by the read that follows); otherwise sleeps
        ``poll_seconds``. Checks UIDNEXT first so mail that arrived since the last
        read is never missed while idling. A server also tells an idling client of
        flag changes and expunges, so each wake-up is checked with a UID search and
        the wait goes on, within ``idle_seconds``, until new mail is really there.
        """
        state = EmailCursor.load(cursor, window=self.config.dedupe_window)
        session = self._imap()
        mailbox = self.config.mailboxes[0]
        uidvalidity, uidnext = session.examine(mailbox)
        known = state.mailboxes.get(mailbox)
        if known is None or known.uidvalidity != uidvalidity:
            return True
        if uidnext is not None and uidnext > known.last_uid + 1 and \
                session.uids_after(known.last_uid):
            return True
        if "IDLE" not in session.capabilities:
            time.sleep(self.config.poll_seconds)
            return True
        deadline = time.monotonic() + self.config.idle_seconds
        try:
            while (left := deadline - time.monotonic()) > 0:
                if session.idle(left) and session.uids_after(known.last_uid):
                    return True
            return False
        except Exception:
            self._drop_session()
            raise

    # -- SMTP --------------------------------------------------------------------
    def send(self, mail: OutgoingEmail) -> SentEmail:
        return send_mail(self.config, mail, system=self.system)

    def close(self) -> None:
        self._drop_session()
