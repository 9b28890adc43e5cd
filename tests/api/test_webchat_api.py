"""The web chat HTTP API, including every kind of bad input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import func, select

from relaydesk.service.bootstrap import Container
from relaydesk.store.models import Conversation, Event, Message
from tests.api.conftest import visitor


async def counts(container: Container) -> tuple[int, int, int]:
    async with container.reader() as uow:
        return (
            (
                await uow.session.execute(select(func.count()).select_from(Conversation))
            ).scalar_one(),
            (await uow.session.execute(select(func.count()).select_from(Message))).scalar_one(),
            (await uow.session.execute(select(func.count()).select_from(Event))).scalar_one(),
        )


async def test_message_gets_a_bot_reply_and_is_idempotent(client: httpx.AsyncClient) -> None:
    headers = await visitor(client)
    sent = await client.post(
        "/api/webchat/messages", json={"client_id": "m-1", "text": "hello"}, headers=headers
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["duplicate"] is False
    again = await client.post(
        "/api/webchat/messages", json={"client_id": "m-1", "text": "hello"}, headers=headers
    )
    assert again.json() == {**sent.json(), "duplicate": True}
    history = (await client.get("/api/webchat/messages", headers=headers)).json()
    senders = [m["sender"] for m in history["messages"]]
    assert senders == ["customer", "bot"]
    after = (await client.get("/api/webchat/messages?after=1", headers=headers)).json()
    assert [m["seq"] for m in after["messages"]] == [2]


async def test_session_resumes_with_the_same_token(client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/webchat/session", json={})).json()
    await client.post(
        "/api/webchat/messages",
        json={"client_id": "a", "text": "hi"},
        headers={"Authorization": f"Bearer {first['token']}"},
    )
    again = (await client.post("/api/webchat/session", json={"token": first["token"]})).json()
    assert again["token"] == first["token"]
    assert again["conversation"]["conversation_id"] == first["conversation"]["conversation_id"]
    assert len(again["messages"]) == 2


async def test_a_forged_token_starts_a_new_visitor_and_reads_nothing(
    client: httpx.AsyncClient,
) -> None:
    first = (await client.post("/api/webchat/session", json={})).json()
    forged = first["token"].split(".")[0] + ".not-the-secret"
    response = await client.get(
        "/api/webchat/messages", headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    other = (await client.post("/api/webchat/session", json={"token": forged})).json()
    assert other["token"] != first["token"]


async def test_malformed_payloads_name_the_field(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await visitor(client)
    before = await counts(container)
    missing = await client.post("/api/webchat/messages", json={"client_id": "x"}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "text"
    wrong_type = await client.post(
        "/api/webchat/messages", json={"client_id": "x", "text": 5}, headers=headers
    )
    assert wrong_type.status_code == 422 and wrong_type.json()["error"]["field"] == "text"
    unknown = await client.post(
        "/api/webchat/messages", json={"client_id": "x", "text": "a", "admin": 1}, headers=headers
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "admin"
    not_json = await client.post(
        "/api/webchat/messages",
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert "not valid JSON" in not_json.json()["error"]["message"]
    assert await counts(container) == before


async def test_oversized_message_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await visitor(client)
    before = await counts(container)
    response = await client.post(
        "/api/webchat/messages", json={"client_id": "big", "text": "x" * 4001}, headers=headers
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "text"
    assert "4001 characters" in error["message"] and "4000" in error["message"]
    assert await counts(container) == before
    exactly = await client.post(
        "/api/webchat/messages", json={"client_id": "ok", "text": "y" * 4000}, headers=headers
    )
    assert exactly.status_code == 200


async def test_oversized_body_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    headers = await visitor(client)
    response = await client.post(
        "/api/webchat/messages",
        content=b'{"client_id": "x", "text": "' + b"z" * 70_000 + b'"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


async def test_empty_message_is_refused(client: httpx.AsyncClient) -> None:
    headers = await visitor(client)
    response = await client.post(
        "/api/webchat/messages", json={"client_id": "e", "text": "   "}, headers=headers
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == "text"


async def test_talk_to_a_person_hands_over_at_once(client: httpx.AsyncClient) -> None:
    headers = await visitor(client)
    await client.post(
        "/api/webchat/messages", json={"client_id": "1", "text": "hi"}, headers=headers
    )
    state = (await client.post("/api/webchat/person", headers=headers)).json()
    assert state["conversation"]["status"] == "queued"
    notice = state["messages"][-1]
    assert notice["sender"] == "system"
    assert "repeat" in notice["text"].lower()


async def test_text_no_database_can_store_is_refused_not_crashed(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await visitor(client)
    before = await counts(container)
    for text, why in (("nul \x00 byte", "control characters"), ("half \ud800", "surrogate")):
        body = json.dumps({"client_id": "bad", "text": text}).encode()
        response = await client.post(
            "/api/webchat/messages",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "text"
        assert why in response.json()["error"]["message"]
    name = await client.post("/api/webchat/session", json={"name": "Ri\x00na"})
    assert name.status_code == 422 and name.json()["error"]["field"] == "name"
    huge = await client.get("/api/webchat/messages?after=99999999999999999999", headers=headers)
    assert huge.status_code == 422 and huge.json()["error"]["field"] == "after"
    login = await client.post("/api/agent/login", json={"email": "a\x00@b.c", "password": "x"})
    assert login.status_code == 422
    assert await counts(container) == before


async def test_oversized_chunked_body_is_refused(client: httpx.AsyncClient) -> None:
    headers = await visitor(client)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"client_id": "x", "text": "'
        for _ in range(10):
            yield b"z" * 10_000
        yield b'"}'

    response = await client.post(
        "/api/webchat/messages",
        content=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


async def test_a_malformed_token_is_unauthorized(client: httpx.AsyncClient) -> None:
    for token in ("x", "0" * 32 + ".\x00" * 10, "../../etc"):
        response = await client.get(
            "/api/webchat/messages", headers={"X-Visitor-Token": token.replace("\x00", "%00")}
        )
        assert response.status_code == 401
