"""Driving the two pages: the customer's widget on the demo shop, and the agent's desk."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

SHOTS = Path("/tmp")  # screenshots for a human to look at the design
TIMEOUT_MS = 15_000


def customer(browser: Any, server: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{server.url}/")
    return page


def say(page: Any, text: str) -> None:
    box = page.locator("[data-testid=rd-input]")
    box.fill(text)
    box.press("Enter")


def ask_for_code(page: Any, value: str) -> None:
    """The widget's "Link WhatsApp, SMS or e-mail": open the form (if closed), type the
    phone or address, and send it with Enter."""
    if page.locator("[data-testid=rd-link-form]").is_hidden():
        page.locator("[data-testid=rd-link]").click()
    box = page.locator("[data-testid=rd-link-value]")
    box.fill(value)
    box.press("Enter")


def chat(page: Any, sender: str, *, stored: bool = False) -> Any:
    """The widget's messages from one sender; `stored`: only those the server numbered."""
    return page.locator(
        f"[data-testid=rd-message][data-sender={sender}]{'[data-seq]' if stored else ''}"
    )


def sign_in(browser: Any, server: Any, email: str, password: str, *, live: bool = True) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    if not live:
        # The desk socket opens but never hears from the server: this desk learns nothing live.
        context.route_web_socket(re.compile(r"/api/agent/ws"), lambda ws: None)
    desk = context.new_page()
    desk.goto(f"{server.url}/desk")
    desk.locator("[data-testid=desk-email]").fill(email)
    desk.locator("[data-testid=desk-password]").fill(password)
    desk.locator("[data-testid=desk-login]").click()
    return desk
