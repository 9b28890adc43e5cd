"""Account flows: a reset link for failed attempts, a person for everything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relaydesk.domain.vocab import BotOutcome

Start = Callable[..., Any]  # the `conversation` fixture (conftest.py)
ANSWERED, CANNOT_HELP = BotOutcome.ANSWERED, BotOutcome.CANNOT_HELP


async def test_locked_after_attempts_gets_one_reset_link(conversation: Start):
    chat = conversation()
    asked = await chat.say("I'm locked out of my account")
    assert (asked.outcome, asked.topic) == (BotOutcome.ASKED, "account")
    turn = await chat.say("maya@example.com")
    assert (turn.outcome, turn.situation) == (ANSWERED, "account_locked_attempts")
    assert turn.understanding.intent == "account_locked" and turn.understanding.in_scope
    assert turn.tried == (
        "looked up account maya@example.com: locked attempts",
        "sent a password reset link to maya@example.com",
    )
    assert chat.backend.password_resets_sent == ["maya@example.com"]
    again = await chat.say("I still can't log in")
    assert again.outcome is ANSWERED and "a moment ago" in again.reply
    assert chat.backend.password_resets_sent == ["maya@example.com"]
    done = await chat.say("got it now, thank you")
    assert done.outcome is BotOutcome.RESOLVED


async def test_indonesian_account_flow(conversation: Start):
    chat = conversation()
    asked = await chat.say("akun saya terkunci, nggak bisa login")
    assert asked.outcome is BotOutcome.ASKED and "email" in asked.reply
    assert asked.understanding.lang == "id"
    turn = await chat.say("emailnya maya@example.com")
    assert turn.situation == "account_locked_attempts"
    assert "link reset kata sandi" in turn.reply


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("my account budi@example.com is blocked", "account_locked_security"),
        ("why was joe@example.com suspended?", "account_suspended"),
        ("akun joe@example.com dinonaktifkan", "account_suspended"),
        ("somebody hacked my account", "account_hacked"),
        ("akun saya dibobol orang", "account_hacked"),
    ],
)
async def test_what_needs_a_person(conversation: Start, text: str, situation: str):
    turn = await conversation().say(text)
    assert (turn.outcome, turn.situation, turn.topic) == (CANNOT_HELP, situation, "account")


async def test_an_address_given_later_continues_the_case(conversation: Start):
    chat = conversation()
    await chat.say("my account got blocked")
    turn = await chat.say("it's budi@example.com")
    assert (turn.outcome, turn.situation) == (CANNOT_HELP, "account_locked_security")
    assert chat.memory.entities["email"] == "budi@example.com"


async def test_forgotten_password_on_an_active_account(conversation: Start):
    chat = conversation()
    turn = await chat.say("I forgot my password, it's dewi@example.com")
    assert (turn.outcome, turn.situation) == (ANSWERED, "account_active")
    assert "sent a password reset link to dewi@example.com" in turn.reply
    assert chat.backend.password_resets_sent == ["dewi@example.com"]


async def test_unknown_account_is_not_found(conversation: Start):
    chat = conversation()
    turn = await chat.say("I can't sign in, my email is nobody@example.com")
    assert (turn.outcome, turn.situation) == (BotOutcome.NOT_FOUND, "account_not_found")
    assert chat.memory.awaiting == "email"
