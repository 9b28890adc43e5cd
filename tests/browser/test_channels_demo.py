"""The channels demo page in a real browser: a person writes as a WhatsApp, SMS and e-mail
customer, the page builds and signs each provider's webhook in JavaScript (WebCrypto) and
posts it to the real /webhooks/<channel>, and the bot's replies come back into the page
through the demo's provider stand-ins (the outbox really sends them to
<public_url>/demo/providers/..., which records them for /demo/outbound).

Also: a provider retry (the same signed request again) is answered 200 and stores nothing
new, a tampered signature is refused with 403 and stores nothing, and a reply button our
side sends can be tapped, which posts the button_reply webhook.

Screenshots go to /tmp (rd-channels-*.png) for a human to look at the design.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.pages import SHOTS, TIMEOUT_MS

pytestmark = pytest.mark.browser

REPLY_MS = 20_000  # bot turn, outbox, stand-in, then the page's one-second poll


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo server (demo agents seeded), its public_url its own URL: the outbox sends
    to this server's /demo/providers stand-ins."""
    from tests.support.server import LiveServer, sqlite_settings

    directory = tmp_path_factory.mktemp("channels-demo")
    live = LiveServer(lambda url: sqlite_settings(directory, demo=True, public_url=url)).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def page(browser: Any, demo_server: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(f"{demo_server.url}/demo/channels")
    expect(opened.locator("body")).to_have_attribute("data-ready", "true")
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def customer_messages(server: Any, channel: str, address: str) -> list[str]:
    """What the server stored from this customer on this channel (read-only)."""
    db_path = Path(server.settings.data_dir) / "relaydesk.db"
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE m.channel = ? AND m.sender = 'customer' AND c.address = ? ORDER BY m.id",
            (channel, address),
        ).fetchall()
    return [row[0] for row in rows]


def send(page: Any, text: str) -> None:
    page.locator("[data-testid=message-text]").fill(text)
    page.locator("[data-testid=send]").click()


def last_log(page: Any, kind: str, channel: str) -> Any:
    return page.locator(f"[data-testid=log-entry][data-kind={kind}][data-channel={channel}]").first


def business_bubbles(page: Any, channel: str) -> Any:
    return page.locator(
        f"[data-testid=thread-{channel}]:visible [data-testid=bubble][data-from=business]"
    )


def test_whatsapp_message_retry_and_tampered_signature(page: Any, demo_server: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("[data-testid=demo-intro]")).to_contain_text("demo secrets")
    expect(page.locator("[data-testid=tab-whatsapp]")).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-testid=send-again]")).to_be_disabled()

    send(page, "I want to talk to a real person")
    sent = last_log(page, "send", "whatsapp")
    expect(sent).to_have_attribute("data-status", "200")
    request = sent.locator("[data-testid=log-request]")
    expect(request).to_contain_text("X-Hub-Signature-256: sha256=")
    expect(request).to_contain_text('"object":"whatsapp_business_account"')
    expect(request).to_contain_text('"from":"6281234567890"')
    expect(request).to_contain_text('"id":"wamid.')
    mine = page.locator("[data-testid=thread-whatsapp] [data-testid=bubble][data-from=customer]")
    expect(mine.first).to_have_attribute("data-status", "200")

    # The bot's answer went out through the outbox to the Graph API stand-in, was recorded,
    # and the page shows it in the customer's WhatsApp conversation.
    reply = business_bubbles(page, "whatsapp").first
    expect(reply).to_contain_text("person", timeout=REPLY_MS)
    raw = reply.locator("[data-testid=raw-request]")
    expect(raw).to_contain_text("/demo/providers/graph/", use_inner_text=False)
    expect(raw).to_contain_text('"to": "6281234567890"', use_inner_text=False)
    assert customer_messages(demo_server, "whatsapp", "6281234567890") == [
        "I want to talk to a real person"
    ]

    # Meta retries the very same signed request: 200, and nothing new is stored.
    page.locator("[data-testid=send-again]").click()
    expect(last_log(page, "retry", "whatsapp")).to_have_attribute("data-status", "200")
    expect(page.locator("[data-testid=send-status]")).to_have_attribute("data-status", "200")
    assert len(customer_messages(demo_server, "whatsapp", "6281234567890")) == 1

    # A signature that does not match the body: 403, and nothing is stored.
    page.locator("[data-testid=tamper]").click()
    tampered = last_log(page, "tamper", "whatsapp")
    expect(tampered).to_have_attribute("data-status", "403")
    expect(tampered.locator("[data-testid=log-answer]")).to_contain_text("forbidden")
    assert len(customer_messages(demo_server, "whatsapp", "6281234567890")) == 1
    expect(business_bubbles(page, "whatsapp")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "rd-channels-whatsapp.png"), full_page=True)


def test_reply_buttons_send_the_tap_through_the_webhook(page: Any, demo_server: Any) -> None:
    """Buttons our side sends (recorded by the stand-ins: WhatsApp reply buttons, Messenger
    quick replies, a Telegram inline keyboard) show as buttons; a tap posts the provider's
    button webhook, which the server verifies and stores."""
    from playwright.sync_api import expect

    from relaydesk.channels.whatsapp import meta_json

    providers = f"{demo_server.url}/demo/providers"
    page.locator("[data-testid=wa-phone]").fill("+6281200001111")
    page.locator("[data-testid=wa-name]").fill("Rína @Toko")  # Meta escapes both
    buttons = [
        {"type": "reply", "reply": {"id": "order:58001", "title": "Order 58001"}},
        {"type": "reply", "reply": {"id": "order:58002", "title": "Order 58002"}},
    ]
    recorded(
        f"{providers}/graph/v26.0/100000000000001/messages",
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "6281200001111",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Which order is it about?"},
                "action": {"buttons": buttons},
            },
        },
    )
    reply = business_bubbles(page, "whatsapp").first
    expect(reply).to_contain_text("Which order is it about?")
    reply.get_by_role("button", name="Order 58002").click()
    tap = last_log(page, "button", "whatsapp")
    expect(tap).to_have_attribute("data-status", "200")
    request = tap.locator("[data-testid=log-request]")
    expect(request).to_contain_text('"button_reply":{"id":"order:58002","title":"Order 58002"}')
    expect(request).to_contain_text('"context":{"from":"","id":"wamid.DEMO')
    body = (request.text_content() or "").split("\n\n", 1)[1]
    assert meta_json(json.loads(body)).decode() == body  # the bytes Meta would sign
    assert customer_messages(demo_server, "whatsapp", "6281200001111") == ["Order 58002"]

    recorded(
        f"{providers}/graph/v26.0/200000000000002/messages?access_token=demo",
        {
            "recipient": {"id": "6100000000000001"},
            "messaging_type": "RESPONSE",
            "message": {
                "text": "What can I help with?",
                "quick_replies": [
                    {"content_type": "text", "title": "Refund", "payload": "intent:refund"}
                ],
            },
        },
    )
    recorded(
        f"{providers}/telegram/bot123456:demo-telegram-bot-token/sendMessage",
        {
            "chat_id": 700000001,
            "text": "Choose one:",
            "reply_markup": {"inline_keyboard": [[{"text": "Track", "callback_data": "t:1"}]]},
        },
    )
    page.locator("[data-testid=tab-messenger]").click()
    business_bubbles(page, "messenger").first.get_by_role("button", name="Refund").click()
    quick = last_log(page, "button", "messenger")
    expect(quick).to_have_attribute("data-status", "200")
    expect(quick.locator("[data-testid=log-request]")).to_contain_text(
        '"quick_reply":{"payload":"intent:refund"}'
    )
    page.locator("[data-testid=tab-telegram]").click()
    business_bubbles(page, "telegram").first.get_by_role("button", name="Track").click()
    pressed = last_log(page, "button", "telegram")
    expect(pressed).to_have_attribute("data-status", "200")
    expect(pressed.locator("[data-testid=log-request]")).to_contain_text('"data":"t:1"')
    assert customer_messages(demo_server, "messenger", "6100000000000001") == ["Refund"]
    assert customer_messages(demo_server, "telegram", "700000001") == ["Track"]


def recorded(url: str, body: dict[str, Any]) -> None:
    """What our outbound side would send, posted straight to the provider's stand-in."""
    answer = httpx.post(url, json=body)
    assert answer.status_code in (200, 201), answer.text


def test_sms_and_email_customers_get_replies(page: Any, demo_server: Any) -> None:
    from playwright.sync_api import expect

    page.locator("[data-testid=tab-sms]").click()
    expect(page.locator("[data-testid=tab-sms]")).to_have_attribute("aria-selected", "true")
    send(page, "where is my order 12345")
    sms = last_log(page, "send", "sms")
    expect(sms).to_have_attribute("data-status", "200")
    expect(sms.locator("[data-testid=log-request]")).to_contain_text("X-Twilio-Signature: ")
    expect(sms.locator("[data-testid=log-request]")).to_contain_text("MessageSid=SM")
    reply = business_bubbles(page, "sms").first
    expect(reply).to_contain_text("12345", timeout=REPLY_MS)
    expect(reply.locator("[data-testid=raw-request]")).to_contain_text(
        "To=%2B6281298765432", use_inner_text=False
    )

    page.locator("[data-testid=tab-sms]").press("ArrowRight")  # keyboard: on to E-mail
    expect(page.locator("[data-testid=tab-email]")).to_be_focused()
    expect(page.locator("[data-testid=tab-email]")).to_have_attribute("aria-selected", "true")
    page.locator("[data-testid=mail-subject]").fill("Payment")
    send(page, "Hello, my payment failed.")
    mail = last_log(page, "send", "email")
    expect(mail).to_have_attribute("data-status", "200")
    request = mail.locator("[data-testid=log-request]")
    expect(request).to_contain_text("Content-Type: message/rfc822")
    expect(request).to_contain_text("Authorization: Bearer demo_email_secret")
    expect(request).to_contain_text("Message-ID: <")
    reply = business_bubbles(page, "email").first
    expect(reply).to_contain_text("Re: Payment", timeout=REPLY_MS)
    expect(reply).to_contain_text("payment")
    stored = customer_messages(demo_server, "email", "rina@example.com")
    assert len(stored) == 1 and "Hello, my payment failed." in stored[0], stored

    # The customer's next mail answers our reply: In-Reply-To names the reply's Message-ID.
    reply_id = reply.locator("[data-testid=raw-request]").text_content() or ""
    our_id = reply_id.split("Message-ID: <", 1)[1].split(">", 1)[0]
    send(page, "It is TX-12345.")
    follow_up = last_log(page, "send", "email")
    expect(follow_up).to_have_attribute("data-status", "200")
    expect(follow_up.locator("[data-testid=log-request]")).to_contain_text(
        f"In-Reply-To: <{our_id}>"
    )
    expect(follow_up.locator("[data-testid=log-request]")).to_contain_text("Subject: Re: Payment")
    expect(business_bubbles(page, "email")).to_have_count(2, timeout=REPLY_MS)
    page.screenshot(path=str(SHOTS / "rd-channels-email.png"), full_page=True)
