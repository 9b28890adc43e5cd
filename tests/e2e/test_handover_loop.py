"""The whole handover loop over real HTTP and real websockets, with a restart in between.

customer message → bot → escalation → queued → (server restarts) → agent accepts →
agent reply reaches the customer's socket; nothing is lost and nothing shown twice.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.support.server import LiveServer, sqlite_settings


async def frames_until(ws: ClientConnection, done: Any, within: float = 10) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    async def read() -> None:
        while True:
            frame = json.loads(await ws.recv())
            seen.append(frame)
            if done(frame):
                return

    await asyncio.wait_for(read(), within)
    return seen


def is_message(sender: str) -> Any:
    return lambda f: f["type"] == "message" and f["message"]["sender"] == sender


async def test_handover_loop_survives_a_restart(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    server = LiveServer(settings).start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            session = (await http.post("/api/webchat/session", json={"name": "Rina"})).json()
            token = session["token"]
            async with connect(f"{server.ws_url}/api/webchat/ws?token={token}") as ws:
                await frames_until(ws, lambda f: f["type"] == "ready")
                await ws.send(json.dumps({"type": "message", "client_id": "c1", "text": "hello"}))
                first = await frames_until(ws, is_message("bot"))
                assert {"type": "ack", "client_id": "c1", "seq": 1, "duplicate": False} in first
                await ws.send(
                    json.dumps(
                        {
                            "type": "message",
                            "client_id": "c2",
                            "text": "I want to talk to a real person",
                        }
                    )
                )
                handover = await frames_until(ws, is_message("system"))
                c2_ack = next(f for f in handover if f["type"] == "ack")
                assert c2_ack["client_id"] == "c2" and c2_ack["seq"] == 3
                notice = [f for f in handover if f["type"] == "message"][-1]["message"]
                assert "repeat" in notice["text"].lower()
                statuses = [f["conversation"]["status"] for f in handover if f["type"] == "status"]
                assert statuses[-1] == "queued"
                # The same client id again (a client retrying after a lost ack): no new message.
                await ws.send(
                    json.dumps(
                        {
                            "type": "message",
                            "client_id": "c2",
                            "text": "I want to talk to a real person",
                        }
                    )
                )
                dup = await frames_until(ws, lambda f: f["type"] == "ack")
                assert dup[-1]["duplicate"] is True and dup[-1]["seq"] == c2_ack["seq"]
            before = (
                await http.get(
                    "/api/webchat/messages", headers={"Authorization": f"Bearer {token}"}
                )
            ).json()
    finally:
        server.stop()

    # Restart on the same database: everything is still there.
    server = LiveServer(settings).start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            customer = {"Authorization": f"Bearer {token}"}
            after = (await http.get("/api/webchat/messages", headers=customer)).json()
            assert after == before
            last_seq = after["messages"][-1]["seq"]
            login = await http.post(
                "/api/agent/login", json={"email": "dewi@demo.relaydesk", "password": "demo-dewi"}
            )
            agent = {"Authorization": f"Bearer {login.json()['token']}"}
            queue = (await http.get("/api/agent/queue", headers=agent)).json()["cases"]
            case = next(
                c for c in queue if c["conversation_id"] == after["conversation"]["conversation_id"]
            )
            assert "explicit_request" in case["reasons"]
            assert case["brief"]["transcript"][0]["text"] == "hello"
            url = f"{server.ws_url}/api/webchat/ws?token={token}&after={last_seq}"
            async with (
                connect(url) as ws,
                connect(f"{server.ws_url}/api/agent/ws?token={login.json()['token']}") as desk,
            ):
                resumed = await frames_until(ws, lambda f: f["type"] == "ready")
                assert [f for f in resumed if f["type"] == "message"] == []  # nothing twice
                await frames_until(desk, lambda f: f["type"] == "ready")
                accepted = await http.post(
                    f"/api/agent/conversations/{case['conversation_id']}/accept", headers=agent
                )
                assert accepted.status_code == 200, accepted.text
                joined = await frames_until(ws, is_message("system"))
                assert (
                    "Dewi" in [f for f in joined if f["type"] == "message"][-1]["message"]["text"]
                )
                sent = await http.post(
                    f"/api/agent/conversations/{case['conversation_id']}/messages",
                    json={"text": "Hi Rina, this is Dewi. I have your case.", "client_id": "a1"},
                    headers=agent,
                )
                assert sent.status_code == 200
                live = await frames_until(ws, is_message("agent"))
                assert live[-1]["message"]["text"] == "Hi Rina, this is Dewi. I have your case."
                # The customer answers; the agent's desk socket hears it live.
                await ws.send(json.dumps({"type": "message", "client_id": "c3", "text": "thanks!"}))
                heard = await frames_until(
                    desk, lambda f: f["type"] == "message" and f.get("sender") == "customer"
                )
                assert heard[-1]["text"] == "thanks!"
            final = (await http.get("/api/webchat/messages", headers=customer)).json()["messages"]
            seqs = [m["seq"] for m in final]
            assert seqs == list(range(1, len(seqs) + 1))  # gap-free, no duplicates
            assert [m["client_id"] for m in final if m["sender"] == "customer"] == [
                "c1",
                "c2",
                "c3",
            ]
    finally:
        server.stop()
