"""The agent desk with real channels, in a real browser: channel badges, delivery ticks that
move live with the provider's status webhooks, WhatsApp's 24-hour window with its
template picker, and the contact panel (identities, one timeline across channels,
suggested matches, merge and undo).

Customers write through the real signed webhooks (built in Python with the demo secrets);
the outbox really sends our replies to the server's own provider stand-ins (public_url is
the server's URL), which answer with ids like "wamid.DEMO…".

Screenshots go to /tmp (rd-desk-channels-*.png) for a human to look at the design.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.pages import SHOTS, TIMEOUT_MS

pytestmark = pytest.mark.browser

# The primary member of General support, where a customer asking for a person waits (the
# others help there only after three minutes).
ALEX = ("alex@demo.relaydesk", "demo-alex")
ASK = "I want to talk to a real person"
LIVE_MS = 20_000  # a bot turn, the outbox's send to the stand-in, then the live frame

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.support.server import LiveServer, sqlite_settings

    directory = tmp_path_factory.mktemp("desk-channels")
    live = LiveServer(lambda url: sqlite_settings(directory, demo=True, public_url=url)).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def desk_of(browser: Any, demo_server: Any) -> Iterator[Any]:
    """Signs an agent in at 1280×800; afterwards resolves what they still hold, so the
    next test starts with their capacity free."""
    opened: list[tuple[Any, list[str]]] = []

    def sign_in(email: str, password: str) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{demo_server.url}/desk")
        page.locator("[data-testid=desk-email]").fill(email)
        page.locator("[data-testid=desk-password]").fill(password)
        page.locator("[data-testid=desk-login]").click()
        opened.append((page, errors))
        return page

    try:
        yield sign_in
    finally:
        for page, errors in opened:
            _leave(demo_server, page)
            page.context.close()
            assert not errors, f"JavaScript errors on the desk: {errors}"


def _leave(server: Any, page: Any) -> None:
    token = page.evaluate("() => sessionStorage.getItem('relaydesk.desk.token')")
    if not token:
        return
    headers = {"Authorization": f"Bearer {token}"}
    mine = httpx.get(f"{server.url}/api/agent/conversations", headers=headers).json()
    for case in mine.get("conversations", []):
        httpx.post(
            f"{server.url}/api/agent/conversations/{case['conversation_id']}/resolve",
            headers=headers,
        )


def _config(server: Any) -> Any:
    from relaydesk.channels.demo import demo_config

    return demo_config(f"{server.url}/demo/providers")


def _post(server: Any, hook: Any) -> None:
    answer = httpx.request(
        hook.method,
        f"{server.url}{hook.path}",
        headers=hook.headers,
        content=hook.body,
        params=hook.query or None,
    )
    assert answer.status_code == 200, answer.text


def customer_writes(server: Any, channel: str, phone: str, text: str) -> None:
    from relaydesk.channels.simulate import customer_webhook

    hook = customer_webhook(
        _config(server),
        channel,
        customer=phone,
        text=text,
        message_id=f"desk-channels-{next(_ids)}",
        at=datetime.now(UTC),
        name="Rina",
        base_url=server.url,
    )
    _post(server, hook)


def whatsapp_status(server: Any, message_id: str, status: str, phone: str, **error: Any) -> None:
    from relaydesk.channels.whatsapp import signed_status

    config = _config(server)
    assert config.whatsapp is not None
    hook = signed_status(
        config.whatsapp,
        message_id=message_id,
        status=status,
        recipient=phone,
        at=datetime.now(UTC),
        **error,
    )
    _post(server, hook)


def whatsapp_document(server: Any, phone: str, filename: str, caption: str) -> None:
    """The customer sends a document on WhatsApp (Meta's webhook, signed)."""
    from relaydesk.channels import whatsapp

    config = _config(server)
    assert config.whatsapp is not None
    wa_id = phone.lstrip("+")
    document = {"id": "900000000000001", "mime_type": "application/pdf"}
    message = {
        "from": wa_id,
        "id": f"wamid.desk-channels-{next(_ids)}",
        "timestamp": str(int(datetime.now(UTC).timestamp())),
        "type": "document",
        "document": {**document, "filename": filename, "caption": caption},
    }
    contact = {"profile": {"name": "Rina"}, "wa_id": wa_id}
    _post(server, whatsapp._signed(config.whatsapp, {"contacts": [contact], "messages": [message]}))


def _db(server: Any) -> sqlite3.Connection:
    return sqlite3.connect(Path(server.settings.data_dir) / "relaydesk.db", timeout=10)


def external_id(server: Any, conversation_id: str, seq: int) -> str | None:
    """The provider's id the outbox stored on one of our messages (None until it went)."""
    with closing(_db(server)) as db:
        row = db.execute(
            "SELECT external_id FROM messages WHERE conversation_id = ? AND seq = ?",
            (conversation_id, seq),
        ).fetchone()
    return row[0] if row else None


def customer_wrote_hours_ago(server: Any, conversation_id: str, hours: float) -> None:
    """The customer's messages were written `hours` ago (the server keeps UTC, naive)."""
    then = (datetime.now(UTC) - timedelta(hours=hours)).replace(tzinfo=None)
    with closing(_db(server)) as db:
        db.execute(
            "UPDATE messages SET created_at = ? WHERE conversation_id = ? AND sender = 'customer'",
            (then.strftime("%Y-%m-%d %H:%M:%S.%f"), conversation_id),
        )
        db.commit()


def accept_offer(desk: Any, channel_label: str) -> str:
    """Accepts the one case offered; returns its conversation id."""
    from playwright.sync_api import expect

    card = desk.locator("[data-testid=desk-offer]")
    expect(card).to_have_count(1, timeout=LIVE_MS)
    expect(card.locator("[data-testid=desk-offer-channel]")).to_have_text(channel_label)
    conversation_id = card.get_attribute("data-conversation-id")
    assert conversation_id
    card.locator("[data-testid=desk-offer-accept]").click()
    expect(desk.locator("[data-testid=desk-input]")).to_be_enabled()
    return conversation_id


def reply(desk: Any, text: str) -> None:
    desk.locator("[data-testid=desk-input]").fill(text)
    desk.locator("[data-testid=desk-send]").click()


def ours(desk: Any, text: str) -> Any:
    return desk.locator("[data-testid=desk-message][data-seq]", has_text=text)


def test_a_whatsapp_reply_shows_its_channel_and_its_delivery_live(
    desk_of: Any, demo_server: Any
) -> None:
    from playwright.sync_api import expect

    phone = "+6281234560001"
    customer_writes(demo_server, "whatsapp", phone, ASK)
    desk = desk_of(*ALEX)
    conversation_id = accept_offer(desk, "WhatsApp")

    expect(desk.locator("[data-testid=desk-conv-channel]")).to_have_text("WhatsApp")
    listed = desk.locator("[data-testid=desk-mine-case] [data-testid=desk-case-channel]")
    expect(listed).to_have_text("WhatsApp")
    # Every message is on the conversation's channel: no per-message badge.
    expect(desk.locator("[data-testid=desk-message-channel]:visible")).to_have_count(0)

    reply(desk, "Hi Rina, Alex here. How can I help?")
    mine = ours(desk, "Alex here")
    status = mine.locator("[data-testid=desk-delivery]")
    expect(status).to_have_attribute("data-delivery", "sent", timeout=LIVE_MS)
    expect(status).to_have_text(re.compile(r"✓\s*Sent"))
    seq = int(mine.get_attribute("data-seq") or 0)
    sent_as = external_id(demo_server, conversation_id, seq)
    assert sent_as and sent_as.startswith("wamid.DEMO"), sent_as

    # Meta reports it read: the ticks turn without a reload.
    whatsapp_status(demo_server, sent_as, "read", phone)
    expect(status).to_have_attribute("data-delivery", "read")
    expect(status).to_have_text(re.compile(r"✓✓\s*Read"))
    # A late "delivered" never takes it back.
    whatsapp_status(demo_server, sent_as, "delivered", phone)
    desk.wait_for_timeout(300)
    expect(status).to_have_attribute("data-delivery", "read")

    # A message the provider could not deliver says why, in words.
    reply(desk, "Here is the tracking link.")
    second = ours(desk, "tracking link")
    expect(second.locator("[data-testid=desk-delivery]")).to_have_attribute(
        "data-delivery", "sent", timeout=LIVE_MS
    )
    second_seq = int(second.get_attribute("data-seq") or 0)
    failed_id = external_id(demo_server, conversation_id, second_seq)
    assert failed_id
    whatsapp_status(
        demo_server,
        failed_id,
        "failed",
        phone,
        error_code=131026,
        error_title="Message undeliverable",
    )
    reason = second.locator("[data-testid=desk-delivery-error]")
    expect(reason).to_have_text("Not delivered: 131026: Message undeliverable")
    expect(desk.locator("[data-testid=desk-announce]")).to_contain_text("131026")

    # What the customer attaches is listed on their message.
    whatsapp_document(demo_server, phone, "receipt-58001.pdf", "my receipt")
    sent_file = desk.locator("[data-testid=desk-message][data-sender=customer]", has_text="receipt")
    attachment = sent_file.locator("[data-testid=desk-attachment]")
    expect(attachment).to_contain_text("Document", timeout=LIVE_MS)
    expect(attachment).to_contain_text("receipt-58001.pdf")
    desk.screenshot(path=str(SHOTS / "rd-desk-channels-delivery.png"))


def test_b_past_24_hours_the_desk_offers_the_templates(desk_of: Any, demo_server: Any) -> None:
    from playwright.sync_api import expect

    phone = "+6281234560002"
    customer_writes(demo_server, "whatsapp", phone, ASK)
    desk = desk_of(*ALEX)
    conversation_id = accept_offer(desk, "WhatsApp")
    customer_wrote_hours_ago(demo_server, conversation_id, 25)

    typed = "Are you still there? Your refund went out today."
    reply(desk, typed)
    panel = desk.locator("[data-testid=desk-window]")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-testid=desk-window-reason]")).to_contain_text("24 hours")
    expect(desk.locator("[data-testid=desk-input]")).to_have_value(typed)  # kept to send later
    expect(ours(desk, "still there")).to_have_count(0)
    expect(desk.locator("[data-testid=desk-error]")).to_be_hidden()  # said in the panel

    name = panel.locator("[data-testid=desk-template-name]")
    expect(name).to_have_value("case_follow_up|en")  # a template is its name and language
    text = panel.locator("[data-testid=desk-template-text]")
    expect(text).to_contain_text("Hi {{1}}, this is {{2}} from support")
    params = panel.locator("[data-testid=desk-template-param]")
    expect(params).to_have_count(2)
    expect(params.first).to_be_focused()  # keyboard: straight to the first value
    expect(panel.get_by_label("Value for {{1}}")).to_be_visible()

    panel.locator("[data-testid=desk-template-send]").click()  # nothing filled: said, not sent
    expect(panel.locator("[data-testid=desk-template-error]")).to_contain_text("{{1}}")
    params.first.fill("Rina")
    desk.keyboard.press("Tab")
    expect(params.nth(1)).to_be_focused()
    desk.keyboard.type("Alex")
    expect(text).to_contain_text("Hi Rina, this is Alex from support")
    desk.screenshot(path=str(SHOTS / "rd-desk-channels-template.png"))
    desk.keyboard.press("Enter")  # submits the template form

    expect(panel).to_be_hidden()
    sent = ours(desk, "Hi Rina, this is Alex from support about your case")
    expect(sent).to_have_count(1)
    expect(sent.locator("[data-testid=desk-delivery]")).to_have_attribute(
        "data-delivery", "sent", timeout=LIVE_MS
    )
    expect(desk.locator("[data-testid=desk-input]")).to_have_value(typed)


def code_sent_to(server: Any, phone: str) -> str:
    """The one-time code the provider stand-in was asked to send to this WhatsApp number."""
    deadline = time.monotonic() + LIVE_MS / 1000
    while time.monotonic() < deadline:
        for item in reversed(httpx.get(f"{server.url}/demo/outbound").json()["sent"]):
            body = item.get("body")
            if item["channel"] != "whatsapp" or not isinstance(body, dict):
                continue
            text = (body.get("text") or {}).get("body", "")
            found = re.search(r"code: (\d{6})", text)
            if body.get("to") == phone.lstrip("+") and found:
                return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no code was sent to {phone}")


def test_c_one_customer_across_channels_in_the_contact_panel(
    desk_of: Any, demo_server: Any
) -> None:
    from playwright.sync_api import expect

    phone = "+6281234560003"
    other = "+6281234560099"  # the same person's other WhatsApp, a contact of its own so far
    second = "I want to talk to a real person (my second phone)"
    customer_writes(demo_server, "whatsapp", other, second)
    desk = desk_of(*ALEX)
    accept_offer(desk, "WhatsApp")  # both are Alex's: he may merge them by hand too
    customer_writes(demo_server, "whatsapp", phone, ASK)
    accept_offer(desk, "WhatsApp")
    expect(desk.locator("[data-testid=desk-mine-case]")).to_have_count(2)
    expect(desk.locator("[data-testid=desk-transcript]")).not_to_contain_text("second phone")

    panel = desk.locator("[data-testid=desk-contact]")
    expect(panel).to_be_visible()
    identities = panel.locator("[data-testid=desk-identity]")
    expect(identities).to_have_count(1)
    expect(identities).to_have_attribute("data-kind", "phone")
    expect(identities).to_contain_text(phone)
    expect(identities).to_contain_text("Vouched for by the provider")
    status = panel.locator("[data-testid=desk-contact-status]")

    # The same phone writes by SMS: the case follows, the desk shows where it is now.
    by_sms = "Me again, by SMS. My other number is 0812 3456 0099"
    customer_writes(demo_server, "sms", phone, by_sms)
    expect(desk.locator("[data-testid=desk-conv-channel]")).to_have_text("SMS", timeout=LIVE_MS)
    said = desk.locator("[data-testid=desk-message][data-sender=customer]")
    expect(
        said.filter(has_text="by SMS").locator("[data-testid=desk-message-channel]")
    ).to_be_hidden()
    expect(said.filter(has_text=ASK).locator("[data-testid=desk-message-channel]")).to_have_text(
        "WhatsApp"
    )

    # One timeline across both channels.
    toggle = panel.locator("[data-testid=desk-timeline-toggle]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    items = panel.locator("[data-testid=desk-timeline-item]")
    channel_of = "[data-testid=desk-timeline-channel]"
    expect(items.filter(has_text=ASK).locator(channel_of)).to_have_text("WhatsApp")
    expect(items.filter(has_text="by SMS").locator(channel_of)).to_have_text("SMS")
    expect(items.first.locator("time")).not_to_be_empty()

    # The number typed belongs to another contact: a suggestion, for the agent only.
    suggestion = panel.locator("[data-testid=desk-suggestion]")
    expect(suggestion).to_have_count(1, timeout=LIVE_MS)
    expect(suggestion).to_contain_text(other)

    # A code over that number's own channel; typed back here, it links the two.
    suggestion.locator("[data-testid=desk-suggestion-verify]").click()
    expect(status).to_contain_text("Code sent by WhatsApp")
    customer_writes(demo_server, "sms", phone, code_sent_to(demo_server, other))
    expect(said.last).to_have_text(re.compile(r"\*{6}"), timeout=LIVE_MS)  # never in clear
    expect(identities).to_have_count(2, timeout=LIVE_MS)
    expect(suggestion).to_have_count(0)
    merges = panel.locator("[data-testid=desk-merge]")
    expect(merges).to_have_count(1)
    expect(merges).to_contain_text("proved it with a code")
    expect(items.filter(has_text="second phone").first).to_have_attribute("data-current", "false")

    # Undone: two customers again, and the suggestion is back.
    merges.locator("[data-testid=desk-merge-undo]").click()
    expect(status).to_contain_text("Merge undone")
    expect(identities).to_have_count(1)
    expect(merges).to_have_attribute("data-undone", "true")
    expect(merges.locator("[data-testid=desk-merge-undo]")).to_have_count(0)
    expect(suggestion).to_have_count(1)
    expect(items.filter(has_text="second phone")).to_have_count(0)

    # Merged by hand, after a confirmation.
    suggestion.locator("[data-testid=desk-suggestion-merge]").click()
    confirm = panel.locator("[data-testid=desk-merge-confirm]")
    expect(confirm).to_contain_text("You can undo it")
    expect(confirm.locator("[data-testid=desk-merge-yes]")).to_be_focused()
    desk.screenshot(path=str(SHOTS / "rd-desk-channels-contact.png"))
    confirm.locator("[data-testid=desk-merge-yes]").click()
    expect(status).to_contain_text("Merged")
    expect(identities).to_have_count(2)
    expect(suggestion).to_have_count(0)
    mine = merges.filter(has_text="merged into this one").filter(has_text="by an agent")
    expect(mine.locator("[data-testid=desk-merge-undo]")).to_be_visible()
    expect(items.filter(has_text="second phone").first).to_have_attribute("data-current", "false")
    panel.screenshot(path=str(SHOTS / "rd-desk-channels-merged.png"))
