"""The agent API: sign in, queue with briefs, accept (once), reply, resolve, hand back."""

from __future__ import annotations

import httpx

from relaydesk.service import admin
from relaydesk.service.bootstrap import Container
from tests.api.conftest import agent_headers, visitor

DEWI = ("dewi@demo.relaydesk", "demo-dewi")
ALEX = ("alex@demo.relaydesk", "demo-alex")
BUDI = ("budi@demo.relaydesk", "demo-budi")


async def waiting_case(
    client: httpx.AsyncClient, text: str = "I want to talk to a real person"
) -> tuple[dict[str, str], str]:
    customer = await visitor(client)
    await client.post(
        "/api/webchat/messages", json={"client_id": "c1", "text": text}, headers=customer
    )
    history = (await client.get("/api/webchat/messages", headers=customer)).json()
    assert history["conversation"]["status"] == "queued", history
    return customer, history["conversation"]["conversation_id"]


async def test_login_refuses_wrong_password(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/agent/login", json={"email": DEWI[0], "password": "nope"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "wrong email or password"
    assert (await client.get("/api/agent/me")).status_code == 401


async def test_unknown_conversation_is_a_clear_404(client: httpx.AsyncClient) -> None:
    headers = await agent_headers(client, *DEWI)
    for method, path in (
        ("GET", "/api/agent/conversations/does-not-exist"),
        ("POST", "/api/agent/conversations/does-not-exist/accept"),
    ):
        response = await client.request(method, path, headers=headers)
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": "no conversation 'does-not-exist'",
            "field": "conversation_id",
        }


async def test_queue_shows_the_brief_and_only_one_agent_wins(client: httpx.AsyncClient) -> None:
    customer, conversation_id = await waiting_case(client)
    dewi = await agent_headers(client, *DEWI)
    alex = await agent_headers(client, *ALEX)
    cases = (await client.get("/api/agent/queue", headers=dewi)).json()["cases"]
    case = next(c for c in cases if c["conversation_id"] == conversation_id)
    assert case["position"] == 1
    assert "explicit_request" in case["reasons"]
    assert case["brief"]["transcript"][0]["text"] == "I want to talk to a real person"
    accepted = await client.post(f"/api/agent/conversations/{conversation_id}/accept", headers=dewi)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "assigned"
    late = await client.post(f"/api/agent/conversations/{conversation_id}/accept", headers=alex)
    assert late.status_code == 409
    assert "already accepted by another agent" in late.json()["error"]["message"]
    # Alex may not write into Dewi's conversation.
    intrude = await client.post(
        f"/api/agent/conversations/{conversation_id}/messages", json={"text": "hi"}, headers=alex
    )
    assert intrude.status_code == 409
    reply = await client.post(
        f"/api/agent/conversations/{conversation_id}/messages",
        json={"text": "Hi, this is Dewi", "client_id": "r1"},
        headers=dewi,
    )
    assert reply.status_code == 200
    seen = (await client.get("/api/webchat/messages", headers=customer)).json()["messages"]
    assert [(m["text"], m["agent_name"]) for m in seen if m["sender"] == "agent"] == [
        ("Hi, this is Dewi", "Dewi")
    ]
    mine = (await client.get("/api/agent/conversations", headers=dewi)).json()["conversations"]
    assert [c["conversation_id"] for c in mine] == [conversation_id]
    assert "explicit request" in mine[0]["summary"].lower()
    assert mine[0]["contact"]["name"] == "Rina"
    assert (await client.get("/api/agent/queue", headers=dewi)).json()["cases"] == []


async def test_agent_outside_the_team_cannot_accept(
    client: httpx.AsyncClient, container: Container
) -> None:
    await admin.create_agent(
        container, email="nina@example.com", name="Nina", password="pw-nina", teams=["billing"]
    )
    _, conversation_id = await waiting_case(client)  # no topic yet: team general
    nina = await agent_headers(client, "nina@example.com", "pw-nina")
    assert (await client.get("/api/agent/queue", headers=nina)).json()["cases"] == []
    response = await client.post(f"/api/agent/conversations/{conversation_id}/accept", headers=nina)
    assert response.status_code == 403
    assert "not one of yours" in response.json()["error"]["message"]
    peek = await client.get(f"/api/agent/conversations/{conversation_id}", headers=nina)
    assert peek.status_code == 403


async def test_capacity_is_enforced(client: httpx.AsyncClient) -> None:
    dewi = await agent_headers(client, *DEWI)  # capacity 3
    ids = [(await waiting_case(client))[1] for _ in range(4)]
    statuses = [
        (await client.post(f"/api/agent/conversations/{cid}/accept", headers=dewi)).status_code
        for cid in ids
    ]
    assert statuses == [200, 200, 200, 409]
    mine = (await client.get("/api/agent/conversations", headers=dewi)).json()["conversations"]
    assert len(mine) == 3


async def test_resolve_and_hand_back(client: httpx.AsyncClient) -> None:
    customer, first = await waiting_case(client)
    dewi = await agent_headers(client, *DEWI)
    await client.post(f"/api/agent/conversations/{first}/accept", headers=dewi)
    back = await client.post(f"/api/agent/conversations/{first}/hand-back", headers=dewi)
    assert back.status_code == 200
    history = (await client.get("/api/webchat/messages", headers=customer)).json()
    assert history["conversation"]["status"] == "bot"
    # The bot answers again once handed back.
    await client.post(
        "/api/webchat/messages", json={"client_id": "c2", "text": "hello"}, headers=customer
    )
    history = (await client.get("/api/webchat/messages", headers=customer)).json()
    assert history["messages"][-1]["sender"] == "bot"
    assert (
        await client.post(f"/api/agent/conversations/{first}/resolve", headers=dewi)
    ).status_code == 409


async def test_why_was_this_handed_over(client: httpx.AsyncClient) -> None:
    customer = await visitor(client)
    for n, text in enumerate(["hello", "this is ridiculous, get me a real person NOW"]):
        await client.post(
            "/api/webchat/messages", json={"client_id": f"w{n}", "text": text}, headers=customer
        )
    history = (await client.get("/api/webchat/messages", headers=customer)).json()
    conversation_id = history["conversation"]["conversation_id"]
    dewi = await agent_headers(client, *DEWI)
    response = await client.get(
        f"/api/agent/conversations/{conversation_id}/decisions", headers=dewi
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["decisions"]
    assert (first["handover"], first["message"]) == (False, "hello")
    assert second["handover"] is True
    assert "explicit_request" in second["reasons"]
    assert second["rule"] and second["policy_version"]
    by_name = {s["name"]: s for s in second["signals"]}
    assert by_name["explicit_request"]["score"] >= 0.5
    assert by_name["explicit_request"]["evidence"]
    assert by_name["frustration"]["score"] > 0 and by_name["frustration"]["evidence"]
