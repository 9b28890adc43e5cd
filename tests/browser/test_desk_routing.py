"""Routing in a real browser: offers with a countdown on the agent's desk, accept and
decline, transfers with an internal note, the first-reply nudge, presence, and a customer
ending the chat while waiting.

The customer's widget and the agent's desk talk to a real server (real HTTP, real
websockets, the server's own scheduler making the offers). Screenshots go to /tmp
(rd-routing-*.png) for a human to look at the design.

Needs Debian's chromium at /usr/bin/chromium and the playwright package; without them the
tests skip, except under CI=true, where a missing browser fails the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.pages import SHOTS, chat, customer, say, sign_in

pytestmark = pytest.mark.browser

DEWI = ("dewi@demo.relaydesk", "demo-dewi")  # logistics (primary), general
BUDI = ("budi@demo.relaydesk", "demo-budi")  # billing (primary), general

ORDER_QUESTION = "where is order 58001"  # a delivery case: it waits for Logistics


def _ask_for_a_person(page: Any, text: str = ORDER_QUESTION) -> None:
    from playwright.sync_api import expect

    say(page, text)
    expect(chat(page, "bot").first).to_be_visible()
    page.locator("[data-testid=rd-person]").click()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")


def _seconds(locator: Any) -> int:
    return int(locator.get_attribute("data-seconds"))


def test_an_offer_counts_down_and_accepting_it_opens_the_case(browser: Any, server: Any) -> None:
    from playwright.sync_api import expect

    page = customer(browser, server)
    _ask_for_a_person(page)

    desk = sign_in(browser, server, *DEWI)
    card = desk.locator("[data-testid=desk-offer]")
    expect(card).to_have_count(1)  # the scheduler offers it to Dewi, the only one online
    expect(card.locator("[data-testid=desk-offer-summary]")).to_contain_text("58001")
    expect(card.locator("[data-testid=desk-offer-team]")).to_have_text("Logistics")
    expect(card.locator("[data-testid=desk-offer-channel]")).to_have_text("Webchat")
    expect(card.locator("[data-testid=desk-priority]")).to_be_visible()
    expect(card.locator("[data-testid=desk-offer-customer]")).not_to_be_empty()
    expect(desk.locator("[data-testid=desk-offers]")).to_have_attribute("aria-live", "assertive")

    countdown = card.locator("[data-testid=desk-offer-countdown]")
    expect(countdown).to_have_text(re.compile(r"^\d+ s$"))
    first = _seconds(countdown)
    assert 0 < first <= 30, f"the offer lasts 30 s by default, the card says {first}"
    desk.wait_for_function(
        "s => Number(document.querySelector('[data-testid=desk-offer-countdown]')"
        ".dataset.seconds) < s",
        arg=first,
    )  # it counts down on its own

    # The queue says who the case is offered to.
    case = desk.locator("[data-testid=desk-case]")
    expect(case).to_have_count(1)
    expect(case).to_have_attribute("data-offered", "me")
    expect(case.locator("[data-testid=desk-case-offered]")).to_have_text("Offered to you")
    desk.screenshot(path=str(SHOTS / "rd-routing-offer.png"))

    card.locator("[data-testid=desk-offer-accept]").click()
    expect(card).to_have_count(0)
    expect(desk.locator("[data-testid=desk-input]")).to_be_enabled()
    expect(desk.locator("[data-testid=desk-conv-status]")).to_have_text("Assigned")
    expect(desk.locator("[data-testid=desk-transcript]")).to_contain_text(ORDER_QUESTION)
    expect(desk.locator("[data-testid=desk-brief-summary]")).to_contain_text("58001")
    expect(desk.locator("[data-testid=desk-mine-case]")).to_have_count(1)
    expect(case).to_have_count(0)
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "assigned")

    desk.locator("[data-testid=desk-input]").fill("Hi, this is Dewi")
    desk.locator("[data-testid=desk-send]").click()
    expect(chat(page, "agent")).to_contain_text("Hi, this is Dewi")


def test_declining_removes_the_card_and_the_case_keeps_waiting(browser: Any, server: Any) -> None:
    from playwright.sync_api import expect

    page = customer(browser, server)
    _ask_for_a_person(page)

    desk = sign_in(browser, server, *DEWI)
    card = desk.locator("[data-testid=desk-offer]")
    expect(card).to_have_count(1)
    card.locator("[data-testid=desk-offer-decline]").click()
    expect(card).to_have_count(0)

    # Still waiting, offered to no one (never back to the agent who declined).
    case = desk.locator("[data-testid=desk-case]")
    expect(case).to_have_count(1)
    expect(desk.locator("[data-testid=desk-case]:not([data-offered])")).to_have_count(1)
    expect(desk.locator("[data-testid=desk-case-offered]")).to_have_count(0)
    desk.wait_for_timeout(2500)  # a few scheduler passes
    expect(card).to_have_count(0)
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")

    # An unoffered case of her team can still be taken by hand.
    case.click()
    expect(desk.locator("[data-testid=desk-conv-status]")).to_have_text("Waiting")
    desk.locator("[data-testid=desk-accept]").click()
    expect(desk.locator("[data-testid=desk-input]")).to_be_enabled()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "assigned")


def test_a_transfer_note_reaches_the_next_agent_and_never_thecustomer(
    browser: Any, server: Any
) -> None:
    from playwright.sync_api import expect

    internal = "Customer sounded upset about the delay; be gentle."
    handover_note = "Wants a refund for the late parcel; please check the double charge."

    page = customer(browser, server)
    _ask_for_a_person(page)
    dewi = sign_in(browser, server, *DEWI)
    dewi.locator("[data-testid=desk-offer-accept]").click()
    expect(dewi.locator("[data-testid=desk-input]")).to_be_enabled()

    # An internal note, marked as such.
    notes = dewi.locator("[data-testid=desk-notes]")
    expect(notes).to_contain_text("the customer never sees this")
    expect(dewi.locator("[data-testid=desk-note]")).to_have_count(0)
    dewi.locator("[data-testid=desk-note-input]").fill(internal)
    dewi.locator("[data-testid=desk-note-add]").click()
    expect(dewi.locator("[data-testid=desk-note]")).to_have_count(1)
    expect(dewi.locator("[data-testid=desk-notes-list]")).to_contain_text(internal)
    expect(dewi.locator("[data-testid=desk-note-input]")).to_have_value("")

    # Transfer to Billing (not one of Dewi's teams, but the directory lists every team).
    dewi.locator("[data-testid=desk-transfer]").click()
    form = dewi.locator("[data-testid=desk-transfer-form]")
    expect(form).to_be_visible()
    expect(form).to_contain_text("the customer never sees this")
    team = dewi.locator("[data-testid=desk-transfer-team]")
    expect(team).to_be_enabled()  # the directory has been read
    options = team.locator("option").evaluate_all("nodes => nodes.map(n => n.value)")
    assert options[:2] == ["logistics", "general"], options  # her own teams first
    assert set(options) == {"logistics", "general", "billing", "accounts"}, options
    expect(team.locator("option[value=billing]")).to_have_text("Billing")
    team.select_option("billing")
    expect(dewi.locator("[data-testid=desk-transfer-other]")).to_be_hidden()
    dewi.locator("[data-testid=desk-transfer-submit]").click()  # no note yet: refused here
    expect(dewi.locator("[data-testid=desk-transfer-error]")).to_contain_text("note")
    expect(form).to_be_visible()
    dewi.locator("[data-testid=desk-transfer-note]").fill(handover_note)
    dewi.screenshot(path=str(SHOTS / "rd-routing-transfer.png"))
    dewi.locator("[data-testid=desk-transfer-submit]").click()
    expect(form).to_be_hidden()
    expect(dewi.locator("[data-testid=desk-error]")).to_contain_text("Transferred to Billing")
    expect(dewi.locator("[data-testid=desk-mine-case]")).to_have_count(0)
    expect(dewi.locator("[data-testid=desk-input]")).to_be_disabled()
    expect(dewi.locator("[data-testid=desk-note][data-kind=transfer]")).to_contain_text(
        handover_note
    )

    # The customer is told, live; the notes never reach the widget, not even after a reload.
    expect(chat(page, "system").last).to_contain_text("passing you to our Billing team")
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")
    for shown in (page, None):
        if shown is None:
            page.reload()
            expect(chat(page, "system").last).to_contain_text("Billing team")
        text = page.locator("[data-testid=rd-panel]").inner_text()
        assert handover_note not in text and internal not in text

    # Budi, in Billing, is offered the case and reads both notes before replying.
    budi = sign_in(browser, server, *BUDI)
    card = budi.locator("[data-testid=desk-offer]")
    expect(card).to_have_count(1)
    card.locator("[data-testid=desk-offer-accept]").click()
    expect(budi.locator("[data-testid=desk-input]")).to_be_enabled()
    budi_notes = budi.locator("[data-testid=desk-note]")
    expect(budi_notes).to_have_count(2)
    expect(budi_notes.first).to_contain_text(internal)
    expect(budi_notes.last).to_contain_text(handover_note)
    expect(budi_notes.last).to_contain_text("Dewi")
    expect(budi_notes.last).to_have_attribute("data-kind", "transfer")
    budi.screenshot(path=str(SHOTS / "rd-routing-notes.png"))
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "assigned")
    text = page.locator("[data-testid=rd-panel]").inner_text()
    assert handover_note not in text and internal not in text


def test_a_transfer_to_a_named_colleague_is_offered_to_them_first(
    browser: Any, server: Any
) -> None:
    from playwright.sync_api import expect

    handover_note = "Double charge on order 58001; Budi, please refund one of them."

    page = customer(browser, server)
    _ask_for_a_person(page)
    dewi = sign_in(browser, server, *DEWI)
    dewi.locator("[data-testid=desk-offer-accept]").click()
    expect(dewi.locator("[data-testid=desk-input]")).to_be_enabled()

    # Budi is on the desk too, online (the case is Logistics': nothing is offered to him).
    budi = sign_in(browser, server, *BUDI)
    expect(budi.locator("[data-testid=desk-connection]")).to_have_attribute("data-state", "online")
    expect(budi.locator("[data-testid=desk-presence]")).to_have_value("online")
    expect(budi.locator("[data-testid=desk-offer]")).to_have_count(0)

    dewi.locator("[data-testid=desk-transfer]").click()
    form = dewi.locator("[data-testid=desk-transfer-form]")
    expect(form).to_be_visible()
    team = dewi.locator("[data-testid=desk-transfer-team]")
    person = dewi.locator("[data-testid=desk-transfer-agent]")
    expect(team).to_be_enabled()
    expect(dewi.get_by_label("To a person (optional)")).to_be_visible()
    expect(person.locator("option").first).to_have_text("Anyone in the team")
    expect(person).to_have_value("")

    team.select_option("billing")
    budi_option = person.locator("option", has_text="Budi")
    expect(budi_option).to_have_count(1)
    expect(budi_option).to_have_text(re.compile(r"^Budi\b.* \(0/\d+\)$"))
    names = person.locator("option").all_inner_texts()
    assert not any(name.startswith("Dewi") for name in names), names  # never herself
    person.select_option(label=budi_option.inner_text())
    dewi.locator("[data-testid=desk-transfer-note]").fill(handover_note)
    dewi.screenshot(path=str(SHOTS / "rd-routing-transfer-person.png"))
    dewi.locator("[data-testid=desk-transfer-submit]").click()
    expect(form).to_be_hidden()
    expect(dewi.locator("[data-testid=desk-error]")).to_contain_text("Transferred to Budi")
    expect(dewi.locator("[data-testid=desk-mine-case]")).to_have_count(0)

    # The customer is told who takes over; Budi is offered the case and takes it.
    expect(chat(page, "system").last).to_contain_text("passing you to Budi")
    card = budi.locator("[data-testid=desk-offer]")
    expect(card).to_have_count(1)
    expect(card.locator("[data-testid=desk-offer-summary]")).to_contain_text("58001")
    card.locator("[data-testid=desk-offer-accept]").click()
    expect(card).to_have_count(0)
    expect(budi.locator("[data-testid=desk-input]")).to_be_enabled()
    expect(budi.locator("[data-testid=desk-conv-status]")).to_have_text("Assigned")
    expect(budi.locator("[data-testid=desk-note][data-kind=transfer]")).to_contain_text(
        handover_note
    )
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "assigned")
    assert handover_note not in page.locator("[data-testid=rd-panel]").inner_text()


def test_ending_the_chat_while_waiting_takes_the_case_off_the_queue(
    browser: Any, server: Any
) -> None:
    from playwright.sync_api import expect

    page = customer(browser, server)
    end = page.locator("[data-testid=rd-end]")
    expect(page.locator("[data-testid=rd-panel]")).to_be_visible()
    expect(end).to_be_hidden()  # with the bot there is nothing to end
    _ask_for_a_person(page)

    desk = sign_in(browser, server, *DEWI)
    expect(desk.locator("[data-testid=desk-case]")).to_have_count(1)
    expect(desk.locator("[data-testid=desk-offer]")).to_have_count(1)

    # Asked first, inside the widget; "keep waiting" changes nothing.
    dialog = page.locator("[data-testid=rd-end-dialog]")
    expect(end).to_be_visible()
    end.click()
    expect(dialog).to_be_visible()
    page.locator("[data-testid=rd-end-cancel]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "waiting")

    end.click()
    expect(dialog).to_be_visible()
    page.screenshot(path=str(SHOTS / "rd-routing-widget-end.png"))
    page.locator("[data-testid=rd-end-confirm]").click()
    expect(page.locator("[data-testid=rd-status]")).to_have_attribute("data-status", "abandoned")
    expect(page.locator("[data-testid=rd-ended]")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(end).to_be_hidden()
    expect(page.locator("[data-testid=rd-person]")).to_be_enabled()

    # The desk hears it live: the case leaves the queue, the offer is withdrawn.
    expect(desk.locator("[data-testid=desk-case]")).to_have_count(0)
    expect(desk.locator("[data-testid=desk-offer]")).to_have_count(0)
    expect(desk.locator("[data-testid=desk-queue-count]")).to_have_text("0")
    desk.reload()
    expect(desk.locator("[data-testid=desk-queue-count]")).to_have_text("0")
    expect(desk.locator("[data-testid=desk-case]")).to_have_count(0)


NUDGE_SOON = """
teams:
  logistics:
    name: Logistics
    first_reply_s: 1
    first_reply_grace_s: 60
"""


def test_an_accepted_case_without_a_reply_shows_the_nudge_until_the_agent_answers(
    browser: Any, start_server: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    server = start_server(NUDGE_SOON)
    page = customer(browser, server)
    _ask_for_a_person(page)
    desk = sign_in(browser, server, *DEWI)
    desk.locator("[data-testid=desk-offer-accept]").click()
    expect(desk.locator("[data-testid=desk-input]")).to_be_enabled()

    nudge = desk.locator("[data-testid=desk-nudge]")
    expect(nudge).to_be_visible()
    expect(nudge).to_contain_text("You haven't replied yet; this case goes back to the queue in")
    countdown = desk.locator("[data-testid=desk-nudge-countdown]")
    expect(countdown).to_have_text(re.compile(r"^\d+ s$"))
    assert 50 <= _seconds(countdown) <= 60
    expect(desk.locator("[data-testid=desk-mine-nudge]")).to_be_visible()
    desk.screenshot(path=str(SHOTS / "rd-routing-nudge.png"))

    desk.locator("[data-testid=desk-input]").fill("Hi, this is Dewi, looking at it now")
    desk.locator("[data-testid=desk-send]").click()
    expect(nudge).to_be_hidden()
    expect(desk.locator("[data-testid=desk-mine-nudge]")).to_have_count(0)
    expect(chat(page, "agent")).to_contain_text("looking at it now")


SHORT_OFFERS = """
teams:
  logistics:
    name: Logistics
    offer_timeout_s: 2
"""


def test_presence_follows_the_server_and_missed_offers_set_the_agent_away(
    browser: Any, start_server: Callable[..., Any]
) -> None:
    from playwright.sync_api import expect

    server = start_server(SHORT_OFFERS)
    desk = sign_in(browser, server, *DEWI)
    presence = desk.locator("[data-testid=desk-presence]")
    expect(presence).to_have_value("online")

    # Chosen by hand: away, then back.
    presence.select_option("away")
    expect(presence).to_have_value("away")
    expect(presence).to_be_enabled()
    presence.select_option("online")
    expect(presence).to_have_value("online")
    expect(presence).to_be_enabled()

    # Two offers left to run out: the server sets Dewi away and the desk says why.
    for _ in range(2):
        _ask_for_a_person(customer(browser, server))
    notice = desk.locator("[data-testid=desk-presence-notice]")
    expect(presence).to_have_value("away")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("two offers in a row went unanswered")
    expect(desk.locator("[data-testid=desk-offer]")).to_have_count(0)
    expect(desk.locator("[data-testid=desk-case]")).to_have_count(2)
    desk.screenshot(path=str(SHOTS / "rd-routing-away.png"))

    desk.locator("[data-testid=desk-presence-online]").click()
    expect(presence).to_have_value("online")
    expect(notice).to_be_hidden()
