"""Over real HTTP and websockets: a web chat visitor proves by a code that they are a
WhatsApp customer whose case waits for a person; their next message joins that case, the
widget's socket is told the chat moved (close 4409), and the socket it opens again
follows the case."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from relaydesk.channels.demo import demo_config
from relaydesk.channels.simulate import customer_webhook
from tests.e2e.test_handover_loop import frames_until
from tests.support.server import LiveServer, sqlite_settings

OWNER = "+6281234500003"


async def test_a_linked_visitors_socket_follows_the_case_to_whatsapp(tmp_path: Path) -> None:
    server = LiveServer(lambda url: sqlite_settings(tmp_path, demo=True, public_url=url)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            channels = demo_config(f"{server.url}/demo/providers")
            ask = customer_webhook(
                channels, "whatsapp", customer=OWNER, text="I want to talk to a real person",
                message_id="owner1", at=datetime.now(UTC),
            )  # fmt: skip
            assert (await http.post(ask.path, headers=ask.headers, content=ask.body)).is_success
            session = (await http.post("/api/webchat/session", json={"name": "Rina"})).json()
            token, auth = session["token"], {"Authorization": f"Bearer {session['token']}"}
            web = session["conversation"]["conversation_id"]
            socket = f"{server.ws_url}/api/webchat/ws?token={token}"
            async with connect(socket) as ws:
                await frames_until(ws, lambda f: f["type"] == "ready")
                asked = await http.post("/api/webchat/verify", json={"value": OWNER}, headers=auth)
                assert asked.status_code == 200, asked.text
                code = await _code(http)
                await ws.send(json.dumps({"type": "message", "client_id": "k", "text": code}))
                await frames_until(ws, lambda f: f["type"] == "ack")  # linked, same chat
                await ws.send(json.dumps({"type": "message", "client_id": "n", "text": "news?"}))
                with pytest.raises(ConnectionClosed) as closed:
                    await frames_until(ws, lambda f: False)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 4409
            async with connect(f"{socket}&after=0") as ws:
                frames = await frames_until(ws, lambda f: f["type"] == "ready")
                moved = frames[-1]["conversation"]
                assert moved["conversation_id"] != web and moved["status"] == "queued"
                texts = [f["message"]["text"] for f in frames if f["type"] == "message"]
                assert "I want to talk to a real person" in texts and "news?" in texts
    finally:
        server.stop()


async def _code(http: httpx.AsyncClient) -> str:
    for _ in range(100):
        for sent in (await http.get("/demo/outbound")).json()["sent"]:
            body = sent.get("body")
            if isinstance(body, dict) and body.get("to") == OWNER.lstrip("+"):
                found = re.search(r"\b\d{6}\b", json.dumps(body))
                if found:
                    return found.group()
        await asyncio.sleep(0.1)
    raise AssertionError("no code reached the owner's WhatsApp")
