"""Secrets never show: not in an answer, not in a log."""

from __future__ import annotations

import logging

import httpx
import pytest


async def test_a_refused_webhook_logs_no_secret(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = await client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert answer.status_code == 403
    assert "demo_verify_token" not in answer.text and "demo_verify_token" not in caplog.text
    refused = await client.post(
        "/webhooks/whatsapp", content=b"{}", headers={"x-hub-signature-256": "sha256=00"}
    )
    assert refused.status_code == 403
    for secret in ("demo_whatsapp_app_secret", "demo_whatsapp_access_token"):
        assert secret not in refused.text and secret not in caplog.text
