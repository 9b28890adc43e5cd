"""A web chat visitor links their WhatsApp in the widget: "Link WhatsApp, SMS or e-mail",
a phone number, a one-time code sent to the owner's WhatsApp (the demo's Graph API
stand-in records it at /demo/outbound), typed back in the chat: a wrong code first (told
so, nothing linked), then the right one (linked: the visitor's conversation now belongs
to the WhatsApp customer's contact). The code is never stored in clear.

An unknown number hears the very same words and nothing is sent to it; the form explains
the server's refusals in words (a value it cannot use, too many codes), in Indonesian too,
and works from the keyboard.

Screenshots go to /tmp (rd-widget-link-*.png) for a human to look at the design.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.pages import SHOTS, TIMEOUT_MS, ask_for_code, chat, say

pytestmark = pytest.mark.browser

OWNER = "+6281234500003"  # writes on WhatsApp first
TYPED = "+62 812-3450-0003"  # the same number, as a visitor types it
UNKNOWN = "+62 812-3450-0099"  # nobody's
CODE_MS = 15_000  # outbox, then the WhatsApp stand-in


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Every channel on with the demo secrets; the outbox sends to this server's own
    /demo/providers stand-ins, which record what they get at /demo/outbound."""
    from tests.support.server import LiveServer, sqlite_settings

    directory = tmp_path_factory.mktemp("widget-link")
    live = LiveServer(lambda url: sqlite_settings(directory, demo=True, public_url=url)).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def open_page(browser: Any, demo_server: Any) -> Iterator[Any]:
    """Opens the demo shop with the widget; fails the test on any JavaScript error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(lang: str = "en") -> Any:
        locale = {"en": "en-US", "id": "id-ID"}[lang]
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{demo_server.url}/?lang={lang}")  # the shop's widget tag: data-lang
        return page

    try:
        yield open_
    finally:
        for context in contexts:
            context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def whatsapp_customer_writes(server: Any, phone: str, text: str) -> None:
    """A signed WhatsApp webhook, as Meta would post it, to the real endpoint."""
    from relaydesk.channels.demo import demo_config
    from relaydesk.channels.simulate import customer_webhook

    hook = customer_webhook(
        demo_config(f"{server.url}/demo/providers"),
        "whatsapp",
        customer=phone,
        text=text,
        message_id=f"widget-link-{time.monotonic_ns()}",
        at=datetime.now(UTC),
        name="Dewi",
        base_url=server.url,
    )
    answer = httpx.request(
        hook.method,
        f"{server.url}{hook.path}",
        headers=hook.headers,
        content=hook.body,
        params=hook.query or None,
    )
    assert answer.status_code == 200, answer.text


def whatsapp_sent_to(server: Any, wa_id: str) -> list[str]:
    """The texts our side sent to this WhatsApp number, as the Graph API stand-in got them."""
    sent = httpx.get(f"{server.url}/demo/outbound").json()["sent"]
    return [
        item["body"]["text"]["body"]
        for item in sent
        if item["channel"] == "whatsapp"
        and isinstance(item["body"], dict)
        and item["body"].get("to") == wa_id
        and item["body"].get("type") == "text"
    ]


def code_sent_to(server: Any, wa_id: str) -> str:
    deadline = time.monotonic() + CODE_MS / 1000
    while time.monotonic() < deadline:
        for text in whatsapp_sent_to(server, wa_id):
            found = re.search(r"verification code: (\d{6})\b", text)
            if found:
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code reached WhatsApp {wa_id}: {whatsapp_sent_to(server, wa_id)}")


def db(server: Any) -> sqlite3.Connection:
    path = Path(server.settings.data_dir) / "relaydesk.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def one(server: Any, query: str, *args: object) -> Any:
    with closing(db(server)) as conn:
        row = conn.execute(query, args).fetchone()
    assert row is not None, (query, args)
    return row[0]


def visitor_conversation(server: Any, text: str) -> str:
    """The web chat conversation in which a visitor wrote `text`."""
    return str(
        one(
            server,
            "SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id"
            " WHERE c.channel = 'webchat' AND m.sender = 'customer' AND m.body = ?",
            text,
        )
    )


def code_sent_words(value: str, lang: str = "en") -> str:
    """What the customer reads after asking for a code: the same for every number."""
    from relaydesk.bot import replies
    from relaydesk.service.identity import CODE_TTL, PHONE, masked_value, normalise

    shown = masked_value(PHONE, normalise(PHONE, value))
    return replies.say(
        "identity_code_sent", lang, value=shown, minutes=int(CODE_TTL.total_seconds() // 60)
    )


def test_a_visitor_links_their_whatsapp_with_the_code_sent_there(
    open_page: Any, demo_server: Any
) -> None:
    from playwright.sync_api import expect

    whatsapp_customer_writes(demo_server, OWNER, "Hi, is my parcel on its way?")
    owner = one(
        demo_server,
        "SELECT contact_id FROM contact_identities WHERE kind = 'phone' AND value = ?",
        OWNER,
    )

    page = open_page()
    first = "Hello, I wrote to you on WhatsApp earlier"
    say(page, first)
    expect(chat(page, "customer", stored=True)).to_have_count(1)
    conversation = visitor_conversation(demo_server, first)
    visitor = one(demo_server, "SELECT contact_id FROM conversations WHERE id = ?", conversation)
    assert visitor != owner

    # The action is small, in the footer; it opens an inline form, focus on its field.
    action = page.locator("[data-testid=rd-link]")
    expect(action).to_have_text("Link WhatsApp, SMS or e-mail")
    expect(action).to_have_attribute("aria-expanded", "false")
    action.click()
    form = page.locator("[data-testid=rd-link-form]")
    expect(form).to_be_visible()
    expect(action).to_have_attribute("aria-expanded", "true")
    field = page.get_by_label("Your phone number or e-mail address")
    expect(field).to_be_focused()
    expect(page.locator("[data-testid=rd-link-send]")).to_have_text("Send code")
    page.screenshot(path=str(SHOTS / "rd-widget-link-form.png"))

    # An unknown number: the same words as a known one, and nothing is sent anywhere.
    ask_for_code(page, UNKNOWN)
    expect(form).to_be_hidden()
    expect(page.locator("[data-testid=rd-input]")).to_be_focused()  # ready for the code
    system = chat(page, "system", stored=True)
    expect(system.last.locator(".bubble")).to_have_text(code_sent_words(UNKNOWN))
    unknown = one(
        demo_server,
        "SELECT count(*) FROM identity_challenges"
        " WHERE conversation_id = ? AND value = ? AND sent_on IS NULL"
        " AND target_contact_id IS NULL",
        conversation,
        "+6281234500099",
    )
    assert unknown == 1

    # The owner's number, typed the way people type it: the code goes to their WhatsApp.
    ask_for_code(page, TYPED)
    expect(form).to_be_hidden()
    expect(system).to_have_count(2)
    expect(system.last.locator(".bubble")).to_have_text(code_sent_words(TYPED))
    code = code_sent_to(demo_server, OWNER.lstrip("+"))
    assert whatsapp_sent_to(demo_server, "6281234500099") == []
    assert (
        one(
            demo_server,
            "SELECT sent_on FROM identity_challenges WHERE conversation_id = ? AND value = ?",
            conversation,
            OWNER,
        )
        == "whatsapp"
    )

    # A wrong code: told so, nothing linked, nothing kept in clear.
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    say(page, wrong)
    expect(system).to_have_count(3)
    expect(system.last.locator(".bubble")).to_have_text(
        "That code isn't right. Please check it and try again (4 tries left)."
    )
    assert one(demo_server, "SELECT contact_id FROM conversations WHERE id = ?", conversation) == (
        visitor
    )

    # The right one, with a space as people type it: linked.
    say(page, f"{code[:3]} {code[3:]}")
    expect(system).to_have_count(4)
    expect(system.last.locator(".bubble")).to_contain_text("Linked: this chat is now connected")
    mine = chat(page, "customer", stored=True)
    expect(mine).to_have_count(3)
    expect(mine.nth(1).locator(".bubble")).to_have_text("******")  # the echo, masked
    expect(mine.nth(2).locator(".bubble")).to_have_text("******")
    page.screenshot(path=str(SHOTS / "rd-widget-link-linked.png"))

    with closing(db(demo_server)) as conn:
        linked_to = conn.execute(
            "SELECT contact_id FROM conversations WHERE id = ?", (conversation,)
        ).fetchone()[0]
        merged_into = conn.execute(
            "SELECT merged_into_id FROM contacts WHERE id = ?", (visitor,)
        ).fetchone()[0]
        merges = conn.execute(
            "SELECT method FROM contact_merges"
            " WHERE source_contact_id = ? AND target_contact_id = ?",
            (visitor, owner),
        ).fetchall()
        in_clear = conn.execute(
            "SELECT count(*) FROM messages WHERE body LIKE ? OR body LIKE ? OR body LIKE ?",
            (f"%{code}%", f"%{code[:3]} {code[3:]}%", f"%{wrong}%"),
        ).fetchone()[0]
        typed = [
            row[0]
            for row in conn.execute(
                "SELECT body FROM messages WHERE conversation_id = ? AND sender = 'customer'"
                " ORDER BY seq",
                (conversation,),
            )
        ]
    assert linked_to == owner
    assert merged_into == owner
    assert merges == [("code",)]
    assert in_clear == 0
    assert typed == [first, "******", "******"]


def test_b_the_form_explains_refusals_in_indonesian_and_works_from_the_keyboard(
    open_page: Any, demo_server: Any
) -> None:
    from playwright.sync_api import expect

    page = open_page("id")
    action = page.locator("[data-testid=rd-link]")
    expect(action).to_have_text("Hubungkan WhatsApp, SMS, atau e-mail")
    expect(chat(page, "customer")).to_have_count(0)  # nothing written yet: still works

    # Keyboard only: Enter opens the form, Escape closes it and gives focus back.
    action.focus()
    page.keyboard.press("Enter")
    form = page.locator("[data-testid=rd-link-form]")
    field = page.get_by_label("Nomor telepon atau alamat e-mail Anda")
    expect(field).to_be_focused()
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    expect(action).to_be_focused()
    expect(page.locator("[data-testid=rd-panel]")).to_be_visible()  # only the form closed
    page.keyboard.press("Enter")
    expect(field).to_be_focused()

    error = page.locator("[data-testid=rd-link-error]")
    expect(error).to_have_attribute("role", "alert")
    page.keyboard.press("Enter")  # nothing typed
    expect(error).to_have_text("Nomor telepon atau e-mail: mohon diisi.")
    expect(field).to_have_attribute("aria-invalid", "true")

    page.keyboard.type("halo")  # the server answers 422 for the field "value"
    expect(field).not_to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Enter")
    expect(error).to_have_text(
        "Nomor telepon atau e-mail: itu bukan nomor telepon atau alamat e-mail yang bisa "
        "kami pakai."
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(form).to_be_visible()
    described = field.get_attribute("aria-describedby") or ""
    assert "rd-link-error" in described.split()

    # Three codes an hour for one chat: the fourth is refused (409), in words.
    system = chat(page, "system", stored=True)
    for n in range(1, 4):
        ask_for_code(page, UNKNOWN)
        expect(form).to_be_hidden()
        expect(system).to_have_count(n)
    expect(system.last.locator(".bubble")).to_have_text(code_sent_words(UNKNOWN, "id"))
    ask_for_code(page, UNKNOWN)
    expect(error).to_have_text(
        "Anda sudah terlalu sering meminta kode di chat ini. Silakan coba lagi nanti."
    )
    expect(form).to_be_visible()
    expect(field).not_to_have_attribute("aria-invalid", "true")  # the number was fine
    expect(page.locator("[data-testid=rd-link-send]")).to_be_enabled()
    page.screenshot(path=str(SHOTS / "rd-widget-link-refused.png"))

    page.locator("[data-testid=rd-link-cancel]").click()
    expect(form).to_be_hidden()
    expect(error).to_be_empty()
    expect(action).to_be_focused()
    assert whatsapp_sent_to(demo_server, "6281234500099") == []
