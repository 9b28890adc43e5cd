"""The handover in a real browser: the customer's widget on the demo shop, the agent's desk.

One customer context and one agent context talk to a real server (real HTTP, real
websockets). Screenshots go to /tmp (rd-*.png) for a human to look at the design.

Needs Debian's chromium at /usr/bin/chromium and the playwright package; without them the
tests skip, except under CI=true, where a missing browser fails the run.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.pages import SHOTS, TIMEOUT_MS, chat, customer, say, sign_in

pytestmark = pytest.mark.browser

DEWI = ("dewi@demo.relaydesk", "demo-dewi")
ALEX = ("alex@demo.relaydesk", "demo-alex")


def _transcript(desk: Any, sender: str, *, stored: bool = False) -> Any:
    return desk.locator(
        f"[data-testid=desk-message][data-sender={sender}]{'[data-seq]' if stored else ''}"
    )


def _seqs(page: Any, testid: str) -> list[int]:
    values = page.locator(f"[data-testid={testid}][data-seq]").evaluate_all(
        "nodes => nodes.map(n => Number(n.dataset.seq))"
    )
    return [int(v) for v in values]


def test_customer_is_handed_to_an_agent_who_answers_live(browser: Any, server: Any) -> None:
    from playwright.sync_api import expect

    page = customer(browser, server)
    expect(page.locator("[data-testid=rd-panel]")).to_be_visible()  # open by default on /

    say(page, "where is order 58001")
    mine = chat(page, "customer")
    expect(mine).to_have_count(1)
    expect(mine.first).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    expect(chat(page, "bot").first).to_be_visible()

    page.locator("[data-testid=rd-person]").click()
    notice = chat(page, "system")
    expect(notice.first).to_be_visible()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")
    expect(page.locator("[data-testid=rd-person]")).to_be_disabled()
    page.screenshot(path=str(SHOTS / "rd-widget.png"))

    desk = sign_in(browser, server, *DEWI)
    case = desk.locator("[data-testid=desk-case]")
    expect(case).to_have_count(1)
    expect(case).to_contain_text("58001")  # the brief's summary names the order
    case.click()
    brief = desk.locator("[data-testid=desk-brief]")
    expect(brief).to_contain_text("58001")  # the agent never has to ask for it again
    expect(brief).to_contain_text("explicit request")
    expect(_transcript(desk, "customer").first).to_contain_text("where is order 58001")
    desk.screenshot(path=str(SHOTS / "rd-desk-waiting.png"))

    desk.locator("[data-testid=desk-accept]").click()
    expect(desk.locator("[data-testid=desk-accept]")).to_be_hidden()
    expect(desk.locator("[data-testid=desk-input]")).to_be_enabled()
    expect(case).to_have_count(0)  # no longer waiting
    expect(desk.locator("[data-testid=desk-mine-case]")).to_have_count(1)
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "assigned")

    desk.locator("[data-testid=desk-input]").fill("Hi, this is Dewi")
    desk.locator("[data-testid=desk-send]").click()
    expect(_transcript(desk, "agent", stored=True)).to_contain_text("Hi, this is Dewi")

    # The customer's open widget shows the reply live: no reload.
    reply = chat(page, "agent")
    expect(reply).to_contain_text("Hi, this is Dewi")
    seqs = _seqs(page, "rd-message")
    assert len(seqs) == len(set(seqs)), f"a message is shown twice: {seqs}"
    assert seqs == sorted(seqs), f"messages out of order: {seqs}"

    page.screenshot(path=str(SHOTS / "rd-widget-agent.png"))
    desk.screenshot(path=str(SHOTS / "rd-desk.png"))

    # The customer answers; the agent sees it live, and can resolve.
    say(page, "thanks, that was quick")
    expect(_transcript(desk, "customer").last).to_contain_text("thanks, that was quick")
    desk.locator("[data-testid=desk-resolve]").click()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "resolved")
    expect(desk.locator("[data-testid=desk-mine-case]")).to_have_count(0)


def test_reloading_the_page_keeps_the_transcript_without_duplicates(
    browser: Any, server: Any
) -> None:
    from playwright.sync_api import expect

    page = customer(browser, server)
    say(page, "where is order 58001")
    expect(chat(page, "bot").first).to_be_visible()
    say(page, "I want to talk to a real person")
    expect(chat(page, "system").first).to_be_visible()
    expect(page.locator("[data-testid=rd-message]:not([data-seq])")).to_have_count(0)
    before = _seqs(page, "rd-message")
    texts = page.locator("[data-testid=rd-message] .bubble").all_inner_texts()

    page.reload()
    messages = page.locator("[data-testid=rd-message]")
    expect(messages).to_have_count(len(before))
    after = _seqs(page, "rd-message")
    assert after == before
    assert len(after) == len(set(after)), f"a message is shown twice after reload: {after}"
    assert page.locator("[data-testid=rd-message] .bubble").all_inner_texts() == texts
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")

    # Still live after the reload: the next message goes through once.
    say(page, "my email is ana@example.com")
    expect(chat(page, "customer")).to_have_count(3)
    expect(page.locator("[data-testid=rd-message]:not([data-seq])")).to_have_count(0)
    final = _seqs(page, "rd-message")
    assert len(final) == len(set(final))


def test_composer_enforces_the_length_limit_with_a_counter(browser: Any, server: Any) -> None:
    from playwright.sync_api import expect

    page = customer(browser, server)
    box = page.locator("[data-testid=rd-input]")
    expect(box).to_have_attribute("maxlength", "4000")
    box.fill("x" * 4000)
    expect(page.locator("[data-testid=rd-counter]")).to_have_text("4000 / 4000")
    expect(page.locator("[data-testid=rd-error]")).to_be_visible()
    box.fill("hello")
    expect(page.locator("[data-testid=rd-error]")).to_be_hidden()


def test_a_second_agent_cannot_take_an_accepted_case(browser: Any, server: Any) -> None:
    from playwright.sync_api import expect

    page = customer(browser, server)
    say(page, "where is order 58001")  # a delivery case: Logistics (Dewi and Alex)
    expect(chat(page, "bot").first).to_be_visible()
    page.locator("[data-testid=rd-person]").click()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")

    dewi = sign_in(browser, server, *DEWI)
    alex = sign_in(browser, server, *ALEX)
    stale = sign_in(browser, server, *ALEX, live=False)  # Alex again, in a tab gone quiet
    for desk in (dewi, alex, stale):
        desk.locator("[data-testid=desk-case]").first.click()
        expect(desk.locator("[data-testid=desk-accept]")).to_be_visible()

    dewi.locator("[data-testid=desk-accept]").click()
    expect(dewi.locator("[data-testid=desk-input]")).to_be_enabled()

    # A live desk hears it at once: the case leaves the queue and the agent is told.
    expect(alex.locator("[data-testid=desk-error]")).to_contain_text("Another agent accepted")
    expect(alex.locator("[data-testid=desk-case]")).to_have_count(0)
    expect(alex.locator("[data-testid=desk-accept]")).to_be_hidden()

    # A desk that missed it gets the API's 409, shown plainly.
    stale.locator("[data-testid=desk-accept]").click()
    expect(stale.locator("[data-testid=desk-error]")).to_contain_text(
        re.compile("already accepted by another agent", re.IGNORECASE)
    )


def test_the_widget_falls_back_to_http_when_websockets_fail(browser: Any, server: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    # Every chat socket is refused, as behind a proxy that cannot upgrade connections.
    context.route_web_socket(re.compile(r"/api/webchat/ws"), lambda ws: ws.close())
    page = context.new_page()
    page.goto(f"{server.url}/")

    say(page, "where is order 58001")
    expect(chat(page, "customer", stored=True)).to_have_count(1)
    expect(chat(page, "bot").first).to_be_visible()
    page.locator("[data-testid=rd-person]").click()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")

    desk = sign_in(browser, server, *DEWI)
    desk.locator("[data-testid=desk-case]").first.click()
    desk.locator("[data-testid=desk-accept]").click()
    desk.locator("[data-testid=desk-input]").fill("Hi, this is Dewi")
    desk.locator("[data-testid=desk-send]").click()

    expect(chat(page, "agent")).to_contain_text("Hi, this is Dewi")
    seqs = _seqs(page, "rd-message")
    assert len(seqs) == len(set(seqs)), f"a message is shown twice: {seqs}"


@pytest.mark.parametrize("lost", ["frame", "ack"])
def test_a_message_cut_off_by_a_broken_socket_arrives_once(
    browser: Any, server: Any, lost: str
) -> None:
    """Lost on the way in ("frame"), the outbox re-sends it after the reconnect; lost on the
    way back ("ack": stored, but the page never heard), the re-send with the same client id
    is recognised as a duplicate. Either way: shown once, stored once."""
    import json

    from playwright.sync_api import expect

    connections = {"n": 0}

    def flaky_first_connection(ws: Any) -> None:
        connections["n"] += 1
        upstream = ws.connect_to_server()
        if connections["n"] > 1:
            return  # later connections pass through untouched

        def to_server(message: str | bytes) -> None:
            if lost == "frame" and json.loads(message).get("type") == "message":
                ws.close()
                return
            upstream.send(message)

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "ack":
                ws.close()
                return
            if frame.get("type") == "message" and frame["message"]["sender"] == "customer":
                return
            ws.send(message)

        ws.on_message(to_server)
        upstream.on_message(to_page)

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.route_web_socket(re.compile(r"/api/webchat/ws"), flaky_first_connection)
    page = context.new_page()
    page.goto(f"{server.url}/")

    say(page, "where is order 58001")
    customer = chat(page, "customer")
    expect(customer).to_have_count(1)
    expect(customer.first).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    expect(chat(page, "bot").first).to_be_visible()
    assert connections["n"] >= 2, "the widget should have reconnected"
    assert page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.endsWith(':outbox'))"
        ".every(k => JSON.parse(localStorage.getItem(k)).length === 0)"
    ), "the outbox should be empty once the server acknowledged the message"

    page.reload()  # what the server stored, read afresh: one customer message
    expect(chat(page, "bot").first).to_be_visible()
    expect(customer).to_have_count(1)
