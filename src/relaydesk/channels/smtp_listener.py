"""Our own SMTP listener: an MTA (or a customer's server, with MX pointing here) hands
mail straight to relaydesk, without an inbound-mail relay in between.

It runs aiosmtpd's SMTP protocol on the app's own asyncio loop (`loop.create_server`),
not aiosmtpd's threaded Controller, so `deliver` runs on the same loop as everything
else. Trust comes from the MTA, so there is no signature: what we guard is which
domains we accept mail for and how big it may be.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from relaydesk.channels.base import ChannelError
from relaydesk.channels.mail import MailSettings

log = logging.getLogger(__name__)

# raw message bytes as received, envelope MAIL FROM, envelope RCPT TOs
Deliver = Callable[[bytes, str, list[str]], Awaitable[None]]

ACCEPTED = "250 OK"
# 451: the sending MTA keeps the mail queued and retries, so nothing is lost.
TRY_LATER = "451 4.3.0 Temporary failure delivering the message, please retry later"


class _Inbox:
    """aiosmtpd handler: its `handle_*` hooks answer RCPT TO and DATA."""

    def __init__(self, accept_domains: list[str], deliver: Deliver) -> None:
        self.accept_domains = accept_domains
        self.deliver = deliver

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        domain = address.rpartition("@")[2].lower()
        if domain not in self.accept_domains:
            return f"550 5.1.1 <{address}>: Recipient address rejected: domain not handled here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return ACCEPTED

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            await self.deliver(raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        except ChannelError as error:
            # Mail that can never be read: refuse it for good, or the sender retries for days.
            log.warning("refused mail from %s: %s", envelope.mail_from, error.message)
            return f"554 5.6.0 {error.message}"[:500]
        except Exception:
            log.exception("delivering mail from %s failed; answered 451", envelope.mail_from)
            return TRY_LATER
        return ACCEPTED


class SmtpListener:
    """Start only when `settings.listen_port` is set; port 0 binds a free port."""

    def __init__(self, settings: MailSettings, deliver: Deliver) -> None:
        self.settings = settings
        self.inbox = _Inbox(settings.accept_domains, deliver)
        self._server: asyncio.Server | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    async def start(self) -> int:
        """Listen on settings.listen_host; the bound port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._session, host=self.settings.listen_host, port=self.settings.listen_port or 0
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await self._server.wait_closed()
        self._server = None

    def _session(self) -> SMTP:
        session = SMTP(
            self.inbox,
            hostname=self.settings.domain,  # not getfqdn(): no DNS lookup per connection
            data_size_limit=self.settings.max_message_bytes,
            enable_SMTPUTF8=True,
            loop=asyncio.get_running_loop(),
        )
        self._sessions.add(session)
        return session
