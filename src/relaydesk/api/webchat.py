"""Web chat: a websocket for live chat, and the same over plain HTTP as a fallback.

Protocol (JSON frames). Client → server: {"type": "message", "client_id", "text"},
{"type": "person"}, {"type": "ping"}. Server → client: {"type": "ready", "conversation"},
{"type": "message", "message"}, {"type": "ack", "client_id", "seq", "duplicate"},
{"type": "status", "conversation"}, {"type": "error", "code", "message", "field"},
{"type": "pong"}. Connect with ?token=<visitor token>&after=<last seq seen>: every message
after that seq is sent first, then live ones, each exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from relaydesk.api.deps import ContainerDep, VisitorDep
from relaydesk.api.errors import describe_validation, error_body
from relaydesk.api.fields import MAX_SEQ, ShortText, Text
from relaydesk.domain.vocab import Channel
from relaydesk.service import inbound, webchat
from relaydesk.service.bootstrap import Container
from relaydesk.service.bus import Subscription
from relaydesk.service.conversations import HISTORY_PAGE
from relaydesk.service.errors import ServiceError

router = APIRouter(prefix="/api/webchat", tags=["webchat"])
MOVED = 4409  # close code: the chat continues in another conversation; reconnect


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: ShortText | None = Field(default=None, max_length=200)
    name: ShortText | None = Field(default=None, max_length=200)
    lang: str | None = Field(default=None, pattern="^(en|id)$")


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: ShortText = Field(min_length=1, max_length=64)
    text: Text


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: ShortText
    client_id: ShortText | None = Field(default=None, min_length=1, max_length=64)
    text: Text | None = None


@router.post("/session")
async def start_session(body: SessionIn, c: ContainerDep) -> dict[str, Any]:
    return await webchat.start(c, body.token, body.name, body.lang)


@router.get("/messages")
async def get_messages(
    c: ContainerDep, token: VisitorDep, after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0
) -> dict[str, Any]:
    return await webchat.history(c, token, after)


@router.post("/messages")
async def post_message(body: MessageIn, c: ContainerDep, token: VisitorDep) -> dict[str, Any]:
    accepted = await inbound.receive_from_visitor(
        c, token, inbound.Inbound(Channel.WEBCHAT.value, body.text, client_id=body.client_id)
    )
    await inbound.process(c, accepted.conversation_id)
    return {
        "client_id": body.client_id,
        "seq": accepted.seq,
        "duplicate": accepted.duplicate,
        "conversation_id": accepted.conversation_id,
    }


@router.post("/person")
async def talk_to_person(c: ContainerDep, token: VisitorDep) -> dict[str, Any]:
    conversation_id = await webchat.conversation_of(c, token)
    await inbound.request_person(c, conversation_id)
    return await webchat.history(c, token, 0)


@router.post("/leave")
async def leave(c: ContainerDep, token: VisitorDep) -> dict[str, Any]:
    """The customer closed the chat: a case still waiting for a person ends as abandoned."""
    await webchat.leave(c, token)
    return await webchat.history(c, token, 0)


@router.websocket("/ws")
async def chat_socket(
    ws: WebSocket, token: str = Query(default=""), after: str = Query(default="0")
) -> None:
    c: Container = ws.app.state.container
    await ws.accept()
    if not after.isdigit() or int(after) > MAX_SEQ:
        await _error(ws, "invalid_input", f"after: must be a whole number up to {MAX_SEQ}", "after")
        await ws.close(code=4400)
        return
    try:
        conversation_id = await webchat.conversation_of(c, token)
    except ServiceError as exc:
        await ws.send_json({"type": "error", **error_body(exc.code, exc.message)["error"]})
        await ws.close(code=4401)
        return
    subscription = c.bus.subscribe([f"conversation:{conversation_id}"])
    try:
        # Subscribed before reading the backlog: nothing committed in between is missed,
        # and the pump skips what the backlog already sent.
        last_sent, conversation = await _catch_up(ws, c, token, int(after))
        await ws.send_json({"type": "ready", "conversation": conversation})
        pump = asyncio.create_task(_pump(ws, c, token, subscription, last_sent))
        try:
            await _read(ws, c, token, conversation_id)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
    except WebSocketDisconnect:
        pass
    finally:
        subscription.close()


async def _catch_up(
    ws: WebSocket, c: Container, token: str, after: int
) -> tuple[int, dict[str, Any] | None]:
    """Send every stored message after `after`, in order, page by page."""
    last = after
    while True:
        state = await webchat.history(c, token, last)
        for message in state["messages"]:
            await ws.send_json({"type": "message", "message": message})
            last = message["seq"]
        if len(state["messages"]) < HISTORY_PAGE:
            return last, state["conversation"]


async def _pump(
    ws: WebSocket, c: Container, token: str, subscription: Subscription, last_sent: int
) -> None:
    """Live events to the client, each message exactly once and in order.

    Live events may come out of order (two processes through Redis) or be dropped (a full
    queue): on a gap, or after an overflow, the client is caught up from the database.
    """
    while True:
        event = await subscription.get()
        if subscription.overflowed:
            subscription.overflowed = False
            last_sent, _ = await _catch_up(ws, c, token, last_sent)
        if event.type == "message":
            seq = event.payload["seq"]
            if seq <= last_sent:
                continue
            if seq > last_sent + 1:
                last_sent, _ = await _catch_up(ws, c, token, last_sent)
                continue
            last_sent = seq
            await ws.send_json({"type": "message", "message": event.payload})
        elif event.type == "conversation_status":
            await ws.send_json({"type": "status", "conversation": event.payload})


async def _read(ws: WebSocket, c: Container, token: str, conversation_id: str) -> None:
    workers = ws.app.state.workers
    while True:
        raw = await receive_text(ws)
        if raw is None:
            await _error(ws, "invalid_input", "binary frames are not supported; send JSON text")
            continue
        try:
            frame = Frame.model_validate(json.loads(raw))
        except (json.JSONDecodeError, RecursionError):
            await _error(ws, "invalid_input", "the frame is not valid JSON")
            continue
        except ValidationError as exc:
            message, field = describe_validation(list(exc.errors()))
            await _error(ws, "invalid_input", message, field)
            continue
        try:
            await _handle(ws, c, workers, token, conversation_id, frame)
        except ServiceError as exc:
            await _error(ws, exc.code, exc.message, exc.field, frame.client_id)


async def _handle(
    ws: WebSocket, c: Container, workers: Any, token: str, conversation_id: str, frame: Frame
) -> None:
    if frame.type == "ping":
        await ws.send_json({"type": "pong"})
    elif frame.type == "person":
        await inbound.request_person(c, conversation_id)
    elif frame.type == "message":
        if frame.client_id is None or frame.text is None:
            field = "client_id" if frame.client_id is None else "text"
            await _error(ws, "invalid_input", f"{field}: field required", field)
            return
        accepted = await inbound.receive_from_visitor(
            c, token, inbound.Inbound(Channel.WEBCHAT.value, frame.text, client_id=frame.client_id)
        )
        workers.process(c, accepted.conversation_id)
        if accepted.conversation_id != conversation_id:
            # The chat goes on in another conversation (a code linked another channel): this
            # socket listens to the old one, so the widget reconnects to the new one.
            await ws.close(code=MOVED)
            raise WebSocketDisconnect(MOVED)
        await ws.send_json(
            {
                "type": "ack",
                "client_id": frame.client_id,
                "seq": accepted.seq,
                "duplicate": accepted.duplicate,
            }
        )
    else:
        await _error(ws, "invalid_input", f"type: unknown frame type {frame.type!r}", "type")


async def receive_text(ws: WebSocket) -> str | None:
    """The next text frame; None for a binary one. Disconnects raise as usual."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text: str | None = message.get("text")
    return text


async def _error(
    ws: WebSocket, code: str, message: str, field: str | None = None, client_id: str | None = None
) -> None:
    await ws.send_json(
        {"type": "error", **error_body(code, message, field)["error"], "client_id": client_id}
    )
