"""Web chat visitors: a session token, their conversation, and resuming after a gap."""

from __future__ import annotations

from typing import Any

from relaydesk.domain.conversation import Status
from relaydesk.service import contacts, routing
from relaydesk.service.bootstrap import Container
from relaydesk.service.conversations import conversation_summary, message_view, messages_after
from relaydesk.service.errors import Unauthorized


async def start(
    c: Container, token: str | None, name: str | None, lang: str | None
) -> dict[str, Any]:
    """Resume the visitor's chat if the token is theirs, else start a new visitor."""
    async with c.uow() as uow:
        contact = None
        if token:
            try:
                contact, visitor = await contacts.visitor_and_identity(uow, token)
            except Unauthorized:
                contact = None
        if contact is None:
            contact, visitor, token = await contacts.new_visitor(uow, name, lang)
        elif name and not contact.name:
            contact.name = name
        conversation = await contacts.visitor_conversation(
            uow, contact, visitor, create=True, lang=lang
        )
        assert conversation is not None and token is not None
        messages = await messages_after(uow, conversation, 0)
        state = {
            "token": token,
            "conversation": conversation_summary(conversation),
            "messages": [message_view(m, conversation) for m in messages],
        }
        await uow.commit()
    return state


async def history(c: Container, token: str, after_seq: int) -> dict[str, Any]:
    async with c.reader() as uow:
        contact, visitor = await contacts.visitor_and_identity(uow, token)
        conversation = await contacts.visitor_conversation(uow, contact, visitor, create=False)
        if conversation is None:
            return {"conversation": None, "messages": []}
        messages = await messages_after(uow, conversation, after_seq)
        return {
            "conversation": conversation_summary(conversation),
            "messages": [message_view(m, conversation) for m in messages],
        }


async def conversation_of(c: Container, token: str) -> str:
    async with c.uow() as uow:
        contact, visitor = await contacts.visitor_and_identity(uow, token)
        conversation = await contacts.visitor_conversation(uow, contact, visitor, create=True)
        assert conversation is not None
        await uow.commit()
        return conversation.id


async def leave(c: Container, token: str) -> None:
    async with c.uow() as uow:
        contact, visitor = await contacts.visitor_and_identity(uow, token)
        conversation = await contacts.visitor_conversation(
            uow, contact, visitor, create=False, for_update=True
        )
        if conversation is None or not Status(conversation.status).is_waiting:
            return
        await routing.abandon(uow, c, conversation, reason="customer_left")
        await uow.commit()
