"""Contacts on the desk: one timeline across channels, suggested matches, merges; and the
web chat widget's "connect my other channel" (a one-time code)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from relaydesk.api.deps import AgentDep, ContainerDep, VisitorDep
from relaydesk.api.fields import ShortText
from relaydesk.service import identity

router = APIRouter(tags=["contacts"])

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
ConversationId = Annotated[str, Path(min_length=1, max_length=64)]


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["phone", "email"]
    value: ShortText = Field(min_length=3, max_length=320)


class VisitorVerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: ShortText = Field(min_length=3, max_length=320)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_contact_id: int = Field(ge=1, le=MAX_ID)
    target_contact_id: int = Field(ge=1, le=MAX_ID)


@router.get("/api/agent/contacts/{contact_id}")
async def get_contact(contact_id: RowId, agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return await identity.contact_view(c, agent, contact_id)


@router.get("/api/agent/contacts/{contact_id}/timeline")
async def get_timeline(
    contact_id: RowId,
    agent: AgentDep,
    c: ContainerDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    return await identity.timeline(c, agent, contact_id, before=before, limit=limit)


@router.get("/api/agent/conversations/{conversation_id}/suggestions")
async def get_suggestions(
    conversation_id: ConversationId, agent: AgentDep, c: ContainerDep
) -> dict[str, Any]:
    found = await identity.conversation_suggestions(c, agent, conversation_id)
    return {"suggestions": found}


@router.post("/api/agent/conversations/{conversation_id}/verify")
async def verify(
    conversation_id: ConversationId, body: VerifyIn, agent: AgentDep, c: ContainerDep
) -> dict[str, Any]:
    return await identity.start_challenge(c, conversation_id, body.kind, body.value, agent)


@router.post("/api/agent/contacts/merge")
async def merge(body: MergeIn, agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return await identity.merge(c, agent, body.source_contact_id, body.target_contact_id)


@router.post("/api/agent/merges/{merge_id}/undo")
async def undo_merge(merge_id: RowId, agent: AgentDep, c: ContainerDep) -> dict[str, Any]:
    return await identity.unmerge(c, agent, merge_id)


@router.post("/api/webchat/verify")
async def visitor_verify(
    body: VisitorVerifyIn, c: ContainerDep, token: VisitorDep
) -> dict[str, Any]:
    return await identity.start_challenge_for_visitor(c, token, body.value)
