"""The routing endpoints: decline, transfer, notes, presence, and a customer leaving."""

from __future__ import annotations

import httpx

from relaydesk.service.bootstrap import Container
from relaydesk.service.scheduler import Scheduler
from tests.api.conftest import agent_headers
from tests.api.test_agent_api import ALEX, DEWI, waiting_case


async def test_decline_of_a_case_not_offered_to_you_is_a_clear_409(
    client: httpx.AsyncClient,
) -> None:
    _, conversation_id = await waiting_case(client)
    dewi = await agent_headers(client, *DEWI)
    response = await client.post(
        f"/api/agent/conversations/{conversation_id}/decline", headers=dewi
    )
    assert response.status_code == 409
    assert "not offered to you" in response.json()["error"]["message"]


async def test_an_offer_declined_over_http_goes_back_to_the_queue(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, conversation_id = await waiting_case(client)
    alex = await agent_headers(client, *ALEX)
    assert (
        await client.post("/api/agent/presence", json={"presence": "online"}, headers=alex)
    ).json() == {"presence": "online"}
    await Scheduler(container).tick()
    cases = (await client.get("/api/agent/queue", headers=alex)).json()["cases"]
    assert [c["offered_to_me"] for c in cases if c["conversation_id"] == conversation_id] == [True]
    declined = await client.post(
        f"/api/agent/conversations/{conversation_id}/decline", headers=alex
    )
    assert declined.json() == {"status": "declined"}
    cases = (await client.get("/api/agent/queue", headers=alex)).json()["cases"]
    assert [c["offered"] for c in cases if c["conversation_id"] == conversation_id] == [False]


async def test_transfer_needs_a_note_and_a_destination(client: httpx.AsyncClient) -> None:
    customer, conversation_id = await waiting_case(client)
    alex = await agent_headers(client, *ALEX)
    await client.post(f"/api/agent/conversations/{conversation_id}/accept", headers=alex)
    path = f"/api/agent/conversations/{conversation_id}/transfer"
    no_note = await client.post(path, json={"team": "billing"}, headers=alex)
    assert no_note.status_code == 422 and no_note.json()["error"]["field"] == "note"
    nowhere = await client.post(path, json={"note": "over to you"}, headers=alex)
    assert nowhere.status_code == 422 and nowhere.json()["error"]["field"] == "team"
    unknown = await client.post(path, json={"note": "x", "team": "nope"}, headers=alex)
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "team"
    done = await client.post(
        path, json={"note": "refund question", "team": "billing"}, headers=alex
    )
    assert done.json() == {"status": "transferred"}
    seen = (await client.get("/api/webchat/messages", headers=customer)).json()
    assert seen["conversation"]["team"] == "billing"
    assert "passing you to our Billing team" in seen["messages"][-1]["text"]
    assert "refund question" not in str(seen)  # the note is internal


async def test_notes_are_internal(client: httpx.AsyncClient) -> None:
    customer, conversation_id = await waiting_case(client)
    alex = await agent_headers(client, *ALEX)
    path = f"/api/agent/conversations/{conversation_id}/notes"
    added = await client.post(path, json={"body": "VIP, be gentle"}, headers=alex)
    assert added.json() == {"status": "noted"}
    empty = await client.post(path, json={"body": "   "}, headers=alex)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "body"
    detail = (await client.get(f"/api/agent/conversations/{conversation_id}", headers=alex)).json()
    assert [n["body"] for n in detail["notes"]] == ["VIP, be gentle"]
    assert "VIP, be gentle" not in str(
        (await client.get("/api/webchat/messages", headers=customer)).json()
    )


async def test_a_customer_who_leaves_while_waiting_ends_abandoned(
    client: httpx.AsyncClient,
) -> None:
    customer, conversation_id = await waiting_case(client)
    left = (await client.post("/api/webchat/leave", headers=customer)).json()
    assert left["conversation"]["status"] == "abandoned"
    alex = await agent_headers(client, *ALEX)
    cases = (await client.get("/api/agent/queue", headers=alex)).json()["cases"]
    assert conversation_id not in [c["conversation_id"] for c in cases]


async def test_the_directory_lists_every_team_and_agent(client: httpx.AsyncClient) -> None:
    alex = await agent_headers(client, *ALEX)
    await client.post("/api/agent/presence", json={"presence": "online"}, headers=alex)
    found = (await client.get("/api/agent/directory", headers=alex)).json()
    assert [t["key"] for t in found["teams"]] == ["accounts", "billing", "general", "logistics"]
    by_name = {a["name"]: a for a in found["agents"]}
    assert by_name["Alex"]["presence"] == "online" and by_name["Alex"]["load"] == 0
    assert by_name["Dewi"]["teams"] == ["logistics", "general"]
    assert "email" not in by_name["Dewi"]  # colleagues see names, not sign-in addresses
