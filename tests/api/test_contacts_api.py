"""The contacts API: one customer's timeline, suggestions, codes and merges over HTTP,
with every refusal in the one error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from relaydesk.channels.base import CustomerMessage, IdentityKind, Sender
from relaydesk.channels.registry import Channels, ChannelsConfig
from relaydesk.clock import ManualClock
from relaydesk.service import admin, inbound
from relaydesk.service.bootstrap import Container, bootstrap
from relaydesk.settings import Settings
from relaydesk.store.models import ContactIdentity, OutboxItem
from tests.api.conftest import agent_headers, visitor
from tests.conftest import _truncate
from tests.service.test_identity import OWNER, WHATSAPP

ALEX = ("alex@demo.relaydesk", "demo-alex")  # in every demo team


@pytest.fixture
async def container(settings: Settings, clock: ManualClock) -> AsyncIterator[Container]:
    c = bootstrap(settings, clock=clock, channels=Channels(ChannelsConfig(whatsapp=WHATSAPP)))
    await c.start()
    await _truncate(c)
    await admin.ensure_teams(c)
    try:
        yield c
    finally:
        await c.stop()


async def owner_on_whatsapp(c: Container, text: str = "hello") -> tuple[str, int]:
    message = CustomerMessage(
        external_id=f"wamid.{text}",
        sender=Sender(IdentityKind.PHONE, OWNER, address=OWNER.lstrip("+"), name="Rina"),
        text=text,
    )
    accepted = await inbound.receive_from_channel(c, "whatsapp", message)
    await inbound.process(c, accepted.conversation_id)
    async with c.reader() as uow:
        query = select(ContactIdentity.contact_id).where(ContactIdentity.value == OWNER)
        return accepted.conversation_id, int((await uow.session.execute(query)).scalar_one())


async def waiting_visitor(client: httpx.AsyncClient, *lines: str) -> tuple[dict[str, str], str]:
    headers = await visitor(client)
    for n, text in enumerate([*lines, "agent please"]):
        sent = await client.post(
            "/api/webchat/messages", json={"client_id": f"c{n}", "text": text}, headers=headers
        )
        assert sent.status_code == 200, sent.text
    return headers, sent.json()["conversation_id"]


def anonymous(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client without the session cookie signing in left on it."""
    client.cookies.clear()
    return client


def error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code
    return dict(body)


async def test_contact_and_timeline_need_a_signed_in_agent_who_can_see_them(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, conversation_id = await waiting_visitor(client, "hello there")
    alex = await agent_headers(client, *ALEX)
    detail = (await client.get(f"/api/agent/conversations/{conversation_id}", headers=alex)).json()
    contact_id = detail["contact_id"]

    error(await anonymous(client).get(f"/api/agent/contacts/{contact_id}"), 401, "unauthorized")
    contact = await client.get(f"/api/agent/contacts/{contact_id}", headers=alex)
    assert contact.status_code == 200, contact.text
    assert [i["kind"] for i in contact.json()["identities"]] == ["web_visitor"]
    timeline = await client.get(f"/api/agent/contacts/{contact_id}/timeline", headers=alex)
    assert timeline.status_code == 200
    assert timeline.json()["messages"][0]["text"] == "hello there"
    page = await client.get(f"/api/agent/contacts/{contact_id}/timeline?limit=1", headers=alex)
    assert len(page.json()["messages"]) == 1 and page.json()["before"] is not None

    error(await client.get("/api/agent/contacts/424242", headers=alex), 404, "not_found")
    bad = error(await client.get("/api/agent/contacts/zero", headers=alex), 422, "invalid_input")
    assert bad["field"] and bad["field"].endswith("contact_id")
    limit = error(
        await client.get(f"/api/agent/contacts/{contact_id}/timeline?limit=0", headers=alex),
        422,
        "invalid_input",
    )
    assert limit["field"] == "limit"
    # An owner with nothing waiting for anyone: no agent may read her.
    _, owner_id = await owner_on_whatsapp(container)
    error(await client.get(f"/api/agent/contacts/{owner_id}", headers=alex), 403, "forbidden")


async def test_suggestions_show_the_owner_of_a_typed_number(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, owner_id = await owner_on_whatsapp(container)
    _, conversation_id = await waiting_visitor(client, "you can reach me on 0812 3450 0003")
    alex = await agent_headers(client, *ALEX)
    found = await client.get(
        f"/api/agent/conversations/{conversation_id}/suggestions", headers=alex
    )
    assert found.status_code == 200, found.text
    [suggestion] = found.json()["suggestions"]
    assert (suggestion["contact_id"], suggestion["value"]) == (owner_id, OWNER)
    error(
        await client.get("/api/agent/conversations/nope/suggestions", headers=alex),
        404,
        "not_found",
    )


async def test_an_agent_asks_for_a_code_and_bad_bodies_name_the_field(
    client: httpx.AsyncClient, container: Container
) -> None:
    await owner_on_whatsapp(container)
    _, conversation_id = await waiting_visitor(client)
    alex = await agent_headers(client, *ALEX)
    url = f"/api/agent/conversations/{conversation_id}/verify"

    sent = await client.post(url, json={"kind": "phone", "value": OWNER}, headers=alex)
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent_on"] == "whatsapp"
    async with container.reader() as uow:
        rows = list((await uow.session.execute(select(OutboxItem))).scalars())
    assert [r.recipient for r in rows if "verification code" in r.payload["text"]] == [
        OWNER.lstrip("+")
    ]

    kind = await client.post(url, json={"kind": "fax", "value": "1234"}, headers=alex)
    assert error(kind, 422, "invalid_input")["field"] == "kind"
    extra = await client.post(
        url, json={"kind": "phone", "value": OWNER, "code": "1"}, headers=alex
    )
    assert error(extra, 422, "invalid_input")["message"] == "code: unknown field"
    value = await client.post(url, json={"kind": "phone", "value": "not a phone"}, headers=alex)
    assert error(value, 422, "invalid_input")["field"] == "value"
    error(
        await anonymous(client).post(url, json={"kind": "phone", "value": OWNER}),
        401,
        "unauthorized",
    )


async def test_merge_and_undo(client: httpx.AsyncClient, container: Container) -> None:
    # Both wait in Alex's team: he may judge them one person and merge them by hand.
    _, owner_id = await owner_on_whatsapp(container, "I want to talk to a real person")
    _, conversation_id = await waiting_visitor(client)
    alex = await agent_headers(client, *ALEX)
    detail = (await client.get(f"/api/agent/conversations/{conversation_id}", headers=alex)).json()
    visitor_id = detail["contact_id"]

    body = {"source_contact_id": visitor_id, "target_contact_id": owner_id}
    merged = await client.post("/api/agent/contacts/merge", json=body, headers=alex)
    assert merged.status_code == 200, merged.text
    assert merged.json()["undoable"] is True
    again = await client.post("/api/agent/contacts/merge", json=body, headers=alex)
    error(again, 409, "conflict")
    itself = {"source_contact_id": owner_id, "target_contact_id": owner_id}
    error(
        await client.post("/api/agent/contacts/merge", json=itself, headers=alex),
        422,
        "invalid_input",
    )
    missing = {"source_contact_id": owner_id, "target_contact_id": 424242}
    error(
        await client.post("/api/agent/contacts/merge", json=missing, headers=alex), 404, "not_found"
    )
    shape = await client.post(
        "/api/agent/contacts/merge", json={"source_contact_id": owner_id}, headers=alex
    )
    assert error(shape, 422, "invalid_input")["field"] == "target_contact_id"
    contact = (await client.get(f"/api/agent/contacts/{owner_id}", headers=alex)).json()
    assert {i["kind"] for i in contact["identities"]} == {"phone", "web_visitor"}

    merge_id = merged.json()["id"]
    undone = await client.post(f"/api/agent/merges/{merge_id}/undo", headers=alex)
    assert undone.status_code == 200, undone.text
    assert undone.json()["undone_by_agent_id"] is not None
    error(await client.post(f"/api/agent/merges/{merge_id}/undo", headers=alex), 409, "conflict")
    error(await client.post("/api/agent/merges/424242/undo", headers=alex), 404, "not_found")
    error(await anonymous(client).post(f"/api/agent/merges/{merge_id}/undo"), 401, "unauthorized")


async def test_the_widget_asks_for_a_code_with_its_visitor_token(
    client: httpx.AsyncClient, container: Container
) -> None:
    await owner_on_whatsapp(container)
    headers = await visitor(client)
    known = await client.post("/api/webchat/verify", json={"value": OWNER}, headers=headers)
    assert known.status_code == 200, known.text
    unknown = await client.post(
        "/api/webchat/verify", json={"value": "0813 9999 0001"}, headers=headers
    )
    assert unknown.status_code == 200
    assert set(known.json()) == set(unknown.json()) and "sent_on" not in known.json()
    history = (await client.get("/api/webchat/messages", headers=headers)).json()
    assert [m["sender"] for m in history["messages"]] == ["system", "system"]

    third = await client.post("/api/webchat/verify", json={"value": OWNER}, headers=headers)
    assert third.status_code == 200
    error(
        await client.post("/api/webchat/verify", json={"value": OWNER}, headers=headers),
        409,
        "conflict",
    )
    error(await client.post("/api/webchat/verify", json={"value": OWNER}), 401, "unauthorized")
    bad = await client.post("/api/webchat/verify", json={"value": "nope"}, headers=headers)
    assert error(bad, 422, "invalid_input")["field"] == "value"
    extra = await client.post(
        "/api/webchat/verify", json={"value": OWNER, "kind": "phone"}, headers=headers
    )
    error(extra, 422, "invalid_input")


async def test_another_teams_agent_may_not_read_or_verify(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, conversation_id = await waiting_visitor(client)
    alex = await agent_headers(client, *ALEX)
    detail = (await client.get(f"/api/agent/conversations/{conversation_id}", headers=alex)).json()
    elsewhere = next(t for t in ("logistics", "billing", "accounts") if t != detail["team"])
    await admin.create_agent(
        container, email="otto@example.com", name="Otto", password="secret-pass", teams=[elsewhere]
    )
    otto = await agent_headers(client, "otto@example.com", "secret-pass")
    contact = await client.get(f"/api/agent/contacts/{detail['contact_id']}", headers=otto)
    error(contact, 403, "forbidden")
    url = f"/api/agent/conversations/{conversation_id}/verify"
    response = await client.post(url, json={"kind": "phone", "value": OWNER}, headers=otto)
    error(response, 403, "forbidden")
