"""Settings of one mailbox system: where to read inquiries (IMAP) and send mail (SMTP)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from connectors.base import ConnectorConfig

Security = Literal["none", "starttls", "ssl"]


class EmailConfig(ConnectorConfig):
    """One account: IMAP for reading, SMTP for sending (either may be omitted)."""

    imap_host: str | None = Field(None, description="IMAP server; omit for a send-only system.")
    imap_port: int = Field(993, ge=1, le=65535)
    imap_security: Security = Field("ssl", description="ssl (993), starttls (143) or none (tests).")
    username: str | None = Field(None, max_length=320)
    password: SecretStr | None = None
    mailboxes: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1,
                                 description="Mailboxes polled, in this order.")
    idle_seconds: float = Field(
        300.0, gt=0, le=1740,
        description="Longest single IDLE wait; RFC 2177 servers drop IDLE after 30 min.")
    poll_seconds: float = Field(60.0, gt=0, le=3600,
                                description="Wait between polls when the server lacks IDLE.")
    dedupe_window: int = Field(
        20000, ge=100, le=1_000_000,
        description="How many recent Message-IDs the cursor remembers, so a UIDVALIDITY "
                    "resync re-reads a mailbox without turning old mail into new leads.")
    max_body_chars: int = Field(100_000, ge=1000, le=10_000_000,
                                description="Text kept per message; longer bodies are cut.")
    skip_senders: list[str] = Field(
        default_factory=list,
        description="Addresses whose mail is never an inquiry (our own, notifications).")

    smtp_host: str | None = Field(None, description="SMTP server; omit for a read-only system.")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Security = "starttls"
    smtp_username: str | None = Field(None, description="Defaults to username.")
    smtp_password: SecretStr | None = Field(None, description="Defaults to password.")
    from_address: str | None = Field(None, description="From: of sent mail, e.g. "
                                     "'Sales <sales@example.com>'.")

    @model_validator(mode="after")
    def _complete(self) -> EmailConfig:
        if self.imap_host is None and self.smtp_host is None:
            raise ValueError("set imap_host (to read mail), smtp_host (to send) or both")
        if self.imap_host is not None and (not self.username or self.password is None):
            raise ValueError("imap_host needs username and password")
        if self.smtp_host is not None and not self.from_address:
            raise ValueError("smtp_host needs from_address")
        return self
