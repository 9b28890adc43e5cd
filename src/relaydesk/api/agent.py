"""The agent API: sign in, queue, conversations, and a websocket of live desk events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field

from relaydesk.api.deps import SESSION_COOKIE, AgentDep, ContainerDep, agent_token
from relaydesk.api.fields import MAX_SEQ, ShortText, Text
from relaydesk.api.webchat import receive_text
from relaydesk.domain.vocab import AgentPresence
from relaydesk.service import desk
from relaydesk.service.bootstrap import Container
from relaydesk.service.errors import ServiceError

router = APIRouter(prefix="/api/agent", tags=["agent"])
log = logging.getLogger(__name__)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: ShortText = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=500)


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ShortText = Field(min_length=1, max_length=512)
    lang: ShortText | None = Field(default=None, max_length=16)  # several may share a name
    params: list[ShortText] = Field(default_factory=list, max_length=10)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text
    client_id: ShortText | None = Field(default=None, min_length=1, max_length=64)


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    presence: AgentPresence


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text
    team: ShortText | None = Field(default=None, min_length=1, max_length=64)
    agent_id: int | None = Field(default=None, ge=1)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Text


@router.post("/login")
async def login(body: LoginIn, response: Response, c: ContainerDep) -> dict[str, Any]:
    token, agent = await desk.login(c, body.email, body.password)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        max_age=c.settings.session_hours * 3600,
    )
    return {"token": token, "agent": agent.to_dict()}


@router.post("/logout")
async def logout(request: Request, response: Response, c: ContainerDep) -> dict[str, str]:
    await desk.logout(c, agent_token(request))
    response.delete_cookie(SESSION_COOKIE)
    return {"status": "signed out"}


@router.get("/me")
async def me(agent: AgentDep) -> dict[str, Any]:
    return agent.to_dict()


@router.post("/presence")
async def presence(body: PresenceIn, agent: AgentDep, c: ContainerDep) -> dict[str, str]:
    await desk.set_presence(c, agent.id, body.presence)
    return {"presence": body.presence.value}


@router.get("/queue")
async def queue(agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return {"cases": await desk.waiting_cases(c, agent)}


@router.get("/directory")
async def directory(agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return await desk.directory(c)


@router.get("/teams")
async def teams(agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return {"teams": await desk.team_outlooks(c, agent)}


@router.get("/conversations")
async def mine(agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return {"conversations": await desk.my_conversations(c, agent)}


@router.get("/conversations/{conversation_id}")
async def conversation(
    conversation_id: str,
    agent: AgentDep,
    c: ContainerDep,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
) -> dict[str, Any]:
    return await desk.conversation_detail(c, agent, conversation_id, after)


@router.get("/conversations/{conversation_id}/decisions")
async def decisions(conversation_id: str, agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    """Why was this handed over (or kept by the bot)? Every decision, with its evidence."""
    return {"decisions": await desk.decisions(c, agent, conversation_id)}


@router.post("/conversations/{conversation_id}/accept")
async def accept(conversation_id: str, agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return await desk.accept(c, agent, conversation_id)


@router.post("/conversations/{conversation_id}/decline")
async def decline(conversation_id: str, agent: AgentDep, c: ContainerDep) -> dict[str, str]:
    await desk.decline(c, agent, conversation_id)
    return {"status": "declined"}


@router.post("/conversations/{conversation_id}/transfer")
async def transfer(
    conversation_id: str, body: TransferIn, agent: AgentDep, c: ContainerDep
) -> dict[str, str]:
    await desk.transfer(
        c, agent, conversation_id, note=body.note, team=body.team, to_agent_id=body.agent_id
    )
    return {"status": "transferred"}


@router.post("/conversations/{conversation_id}/notes")
async def add_note(
    conversation_id: str, body: NoteIn, agent: AgentDep, c: ContainerDep
) -> dict[str, str]:
    await desk.add_note(c, agent, conversation_id, body.body)
    return {"status": "noted"}


@router.post("/conversations/{conversation_id}/messages")
async def reply(
    conversation_id: str, body: ReplyIn, agent: AgentDep, c: ContainerDep
) -> dict[str, Any]:
    return await desk.reply(c, agent, conversation_id, body.text, body.client_id)


@router.post("/conversations/{conversation_id}/template")
async def send_template(
    conversation_id: str, body: TemplateIn, agent: AgentDep, c: ContainerDep
) -> dict[str, Any]:
    """Outside WhatsApp's 24-hour window: send an approved template instead of free text."""
    return await desk.send_template(
        c, agent, conversation_id, body.name, list(body.params), lang=body.lang
    )


@router.post("/conversations/{conversation_id}/resolve")
async def resolve(conversation_id: str, agent: AgentDep, c: ContainerDep) -> dict[str, str]:
    await desk.resolve(c, agent, conversation_id)
    return {"status": "resolved"}


@router.post("/conversations/{conversation_id}/hand-back")
async def hand_back(conversation_id: str, agent: AgentDep, c: ContainerDep) -> dict[str, str]:
    await desk.hand_back(c, agent, conversation_id)
    return {"status": "bot"}


class DeskSockets:
    """Counts each agent's open desk sockets in this process: the first makes them online,
    closing the last makes them offline."""

    def __init__(self) -> None:
        self.open: Counter[int] = Counter()


_ONLY_PING = {
    "type": "error",
    "code": "invalid_input",
    "message": 'the desk socket only takes {"type": "ping"}; act through the REST API',
}


@router.websocket("/ws")
async def desk_socket(ws: WebSocket) -> None:
    c: Container = ws.app.state.container
    sockets: DeskSockets = ws.app.state.desk_sockets
    await ws.accept()
    try:
        agent = await desk.authenticate(c, agent_token(ws))
    except ServiceError as exc:
        await ws.send_json({"type": "error", "code": exc.code, "message": exc.message})
        await ws.close(code=4401)
        return
    subscription = c.bus.subscribe([f"agent:{agent.id}", *(f"team:{t}" for t in agent.teams)])
    sockets.open[agent.id] += 1
    try:
        presence = await desk.desk_opened(c, agent.id)
        await ws.send_json({"type": "ready", "agent": agent.to_dict(), "presence": presence})
        pump = asyncio.create_task(_pump(ws, subscription))
        beat = asyncio.create_task(_heartbeat(c, agent.id))
        try:
            while True:
                raw = await receive_text(ws)
                try:
                    frame = json.loads(raw) if raw is not None else None
                except (ValueError, RecursionError):
                    frame = None
                if isinstance(frame, dict) and frame.get("type") == "ping":
                    await ws.send_json({"type": "pong"})
                else:
                    await ws.send_json(_ONLY_PING)
        finally:
            for task in (pump, beat):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    except WebSocketDisconnect:
        pass
    finally:
        subscription.close()
        sockets.open[agent.id] -= 1
        if sockets.open[agent.id] <= 0:
            del sockets.open[agent.id]
            # Not offline at once: a reload or a flaky network reconnects within the grace
            # period, and a desk open in another process keeps beating.
            with contextlib.suppress(Exception):
                await desk.desk_closed(c, agent.id)


HEARTBEAT_S = 20.0


async def _heartbeat(c: Container, agent_id: int) -> None:
    while True:
        await asyncio.sleep(min(HEARTBEAT_S, c.settings.presence_grace_s / 3))
        try:
            await desk.heartbeat(c, agent_id)
        except Exception:  # a database blip: the next beat tries again
            log.warning("desk heartbeat for agent %s failed", agent_id, exc_info=True)


async def _pump(ws: WebSocket, subscription: Any) -> None:
    while True:
        event = await subscription.get()
        await ws.send_json({"type": event.type, **event.payload})
