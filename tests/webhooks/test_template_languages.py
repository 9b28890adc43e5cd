# ruff: noqa
"""A template approved in several languages goes in the one the agent picked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer

from relaydesk.channels.demo import FOLLOW_UP_TEMPLATE, demo_config
from tests.webhooks.conftest import delivered
from tests.webhooks.test_outbound import provider
from tests.webhooks.test_windows_and_statuses import _customer_wrote_ago, _with_dewi


@pytest.fixture
def channels_config(httpserver: HTTPServer):
    config = demo_config(httpserver.url_for("/providers").rstrip("/"), listen_port=0)
    indonesian = FOLLOW_UP_TEMPLATE.model_copy(
        update={"lang": "id", "text": "Halo {{1}}, ini {{2}} dari tim dukungan."}
    )
    config.whatsapp.templates = [FOLLOW_UP_TEMPLATE, indonesian]
    return config


async def test_the_indonesian_template_goes_in_indonesian(
    client, container, channels_config, httpserver, clock
):
    got = provider(httpserver, "whatsapp")
    dewi, cid = await _with_dewi(client, container, channels_config, "whatsapp")
    await _customer_wrote_ago(container, timedelta(hours=25))
    url = f"/api/agent/conversations/{cid}"
    late = await client.post(f"{url}/messages", json={"text": "Masih di sana?"}, headers=dewi)
    offered = [(t["name"], t["lang"]) for t in late.json()["error"]["details"]["templates"]]
    print("desk offers:", offered)  # desk.js: <option value=name>name (lang)</option> for each
    # The agent picks "case_follow_up (id)": desk.js posts {name, params} only.
    sent = await client.post(
        f"{url}/template",
        json={"name": "case_follow_up", "lang": "id", "params": ["Rina", "Dewi"]},
        headers=dewi,
    )
    await delivered(container)
    body = json.loads(got[-1].get_data())
    print(
        "stored text:", sent.json()["text"][:40], "| sent language:", body["template"]["language"]
    )
    assert body["template"]["language"]["code"] == "id"
