"""The customer asks for a person: any wording, typos, English and Bahasa Indonesia."""

import pytest

from relaydesk.escalation.signals import explicit_request

from .builders import make_input, text_only

ASKS = [
    # English, plain and casual
    "agent please",
    "Agent!",
    "can I speak to a human?",
    "I want to talk to a real person",
    "please get me a human",
    "Please have a real person contact me",
    "talk to someone",
    "representative",
    "live agent",
    "customer service",
    "I need a live person now",
    "I want to speak to your manager",
    "connect me with customer support pls",
    "Subject: Please have someone call me\n\nPlease have a real person contact me.",
    "I don't know, can I talk to a human",  # the negation is in another clause
    "why can't I talk to a human",  # "can't" complains, it does not decline
    "no, I need a human",
    # typos
    "humna please",
    "I need an agnet",
    "reprsentative",
    "can I talk to a reprsentative",
    # Bahasa Indonesia, formal and casual
    "saya mau bicara dengan CS manusia",
    "tolong sambungkan ke agen",
    "min, bisa sambungin ke admin?",
    "hubungkan ke operator",
    "kak, mau ngobrol sama orang beneran dong",
    "bisa dihubungkan ke petugas?",
    "minta CS dong",
    "saya ingin berbicara dengan customer service",
    # contact verbs in any form, and "to/with" a person when the verb is misspelt
    "I need help talking with someone",
    "assistance contacting a live agent",
    "is it possible to chat with an assistant?",
    "how to taok to an agent",
    "get in touch with customer assistance",
    # a person of the business, one of the business's people
    "get me someone from your support team",
    "Is there an actual human working there?",
    "halo kak, ada admin yang online?",
    # asking how to reach them
    "what's the phone number for your customer service?",
    "customer support e-mail",
    "what hours is customer support available",
    "do you have a free phone no to call customer service?",
    "nomor CS nya berapa ya?",
    "minta kontak customer service dong",
]


@pytest.mark.parametrize("text", ASKS)
def test_asking_for_a_person_fires(text: str) -> None:
    result = explicit_request(text_only(text))
    assert result.fired, result
    assert result.evidence


DOES_NOT_ASK = [
    # negations, both languages
    "I don't need an agent",
    "no need for a human",
    "I do not want to talk to a person, just tell me where it is",
    "an agent is not needed",
    "tidak perlu agen",
    "gak usah ke CS",
    "ga usah sambungin ke admin, udah beres",
    "jangan sambungkan ke operator",
    # person words that ask for nobody
    "someone is using my card",
    "your customer service is useless",
    "I want a refund, your customer service is useless",
    "the agent said I would get a refund",
    "the delivery person left it outside",
    "the agent said my email was wrong",
    "I talked to an agent yesterday and they said it would come today",
    "I spoke with customer service last week and nothing happened",
    "someone is calling me pretending to be from your company",
    "someone from your team called me and was rude",
    "the assistant keeps sending me the same link",
    "my phone number changed, how do I update it",
    "I want to talk about my refund",
    "orang kurirnya gak datang",
    # look-alikes that are real words, not typos
    "diskon 50 persen dong",
    "can you manage to send it today",
    "the stuff is broken, can I return it",
    # small talk and other requests
    "hi",
    "thanks",
    "hello",
    "never mind, bye",
    "where is my order 10001?",
    "I need to change the delivery address for order 10013",
]


@pytest.mark.parametrize("text", DOES_NOT_ASK)
def test_not_asking_for_a_person_does_not_fire(text: str) -> None:
    assert explicit_request(text_only(text)).score == 0.0


def test_negation_is_shown_as_evidence() -> None:
    result = explicit_request(text_only("I don't need an agent"))
    assert result.evidence == ("negated: i dont need an agent",)


def test_typo_evidence_shows_what_was_typed_and_what_it_was_read_as() -> None:
    result = explicit_request(text_only("humna please"))
    assert "humna (~human)" in result.evidence


def test_confident_human_request_intent_supports_the_words() -> None:
    words_only = explicit_request(text_only("agent please"))
    both = explicit_request(make_input("agent please", intent="human_request", confidence=0.95))
    assert both.score > words_only.score
    assert "intent human_request (0.95)" in both.evidence


def test_confident_intent_alone_fires() -> None:
    result = explicit_request(
        make_input("could you pass me along", intent="human_request", confidence=0.9)
    )
    assert result.fired


def test_intent_alone_needs_words_about_people() -> None:
    # A classifier reading "the invoice from Mr. Smith" as a request for a person guesses.
    text = "I need to find the bills from Mr. Smith"
    result = explicit_request(make_input(text, intent="human_request", confidence=0.8))
    assert result.score == 0.0


def test_unsure_intent_alone_does_not_fire() -> None:
    result = explicit_request(make_input("hmm", intent="human_request", confidence=0.4))
    assert result.score == 0.0


def test_words_that_decline_overrule_the_intent() -> None:
    result = explicit_request(
        make_input("I don't need an agent", intent="human_request", confidence=0.9)
    )
    assert result.score == 0.0


def test_pressing_the_button_is_certain() -> None:
    result = explicit_request(make_input("", forced=True))
    assert result.score == 1.0
    assert result.evidence == ("pressed 'talk to a person'",)
