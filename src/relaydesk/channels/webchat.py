"""Web chat: the widget talks to our own API and socket, so there is nothing to verify or
parse from a provider, and replies reach the widget through the live bus, not the outbox.
It is in the registry so that every channel answers the same questions (its window, its
rate) in one place."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from relaydesk.channels.base import (
    HttpCall,
    Item,
    OutboundMessage,
    PayloadInvalid,
    RateLimit,
    SendResult,
    WebhookRequest,
    Window,
)
from relaydesk.domain.vocab import Channel


class WebchatAdapter:
    channel = Channel.WEBCHAT
    rate_limit = RateLimit(per_second=1000.0)

    def verify(self, request: WebhookRequest) -> None:
        raise PayloadInvalid("web chat has no webhook: the widget uses /api/webchat", status=404)

    def parse(self, request: WebhookRequest) -> list[Item]:
        raise PayloadInvalid("web chat has no webhook: the widget uses /api/webchat", status=404)

    def acknowledge(self) -> tuple[str, bytes]:
        return "application/json", b"{}"

    def window(self, last_customer_at: datetime | None, now: datetime, *, by_agent: bool) -> Window:
        return Window(allowed=True)  # the widget shows what it gets, whenever it reconnects

    def build_send(self, message: OutboundMessage) -> HttpCall:
        raise NotImplementedError("web chat replies travel on the live bus")

    def read_response(self, status: int, headers: Mapping[str, str], body: bytes) -> SendResult:
        raise NotImplementedError("web chat replies travel on the live bus")
