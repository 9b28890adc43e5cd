"""The commerce backends: demo records from facts, and the HTTP contract, request by request."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from relaydesk.bot.commerce import (
    AccountStatus,
    CommerceAuthError,
    CommerceProtocolError,
    CommerceUnavailable,
    DemoBackend,
    HttpBackend,
    OrderStatus,
    PaymentStatus,
    find_order,
    find_payment,
)

# --- DemoBackend ----------------------------------------------------------------------


async def test_demo_backend_reads_scenario_facts(facts: dict[str, Any]):
    backend = DemoBackend.from_facts(facts)
    order = await backend.get_order("10003")
    assert order is not None
    assert (order.status, order.promised, order.eta) == (
        OrderStatus.DELAYED,
        date(2026, 11, 18),
        date(2026, 11, 25),
    )
    payment = await backend.get_payment("TX-20001")
    assert payment is not None
    assert (payment.amount, payment.currency, payment.card_last4) == (
        Decimal(250000),
        "IDR",
        "4242",
    )
    account = await backend.get_account("MAYA@example.com")
    assert account is not None and account.status is AccountStatus.LOCKED_ATTEMPTS
    assert await backend.get_order("99999") is None


async def test_password_resets_are_recorded_and_unknown_accounts_refused(facts: dict[str, Any]):
    backend = DemoBackend.from_facts(facts)
    assert await backend.send_password_reset("maya@example.com")
    assert not await backend.send_password_reset("nobody@example.com")
    assert backend.password_resets_sent == ["maya@example.com"]


async def test_ids_are_found_under_the_shops_own_keys(facts: dict[str, Any]):
    backend = DemoBackend.from_facts(facts)
    assert (order := await find_order(backend, "58005")) and order.order_id == "ORD-58005"
    assert (
        payment := await find_payment(backend, "20001")
    ) and payment.transaction_id == "TX-20001"


def test_facts_as_json_for_the_brief(facts: dict[str, Any]):
    backend = DemoBackend.from_facts(facts)
    order = backend._orders["10004"]
    assert order.facts() == {"order_id": "10004", "status": "lost", "promised": "2026-11-05",
                             "eta": None, "carrier": "J&T", "tracking": None}  # fmt: skip
    assert backend._payments["TX-20001"].facts()["amount"] == 250000
    json.dumps(order.facts())


@pytest.mark.parametrize(
    ("facts", "error"),
    [
        ({"orders": {"1": {"status": "shipped"}}}, r"facts\.orders\.1: status"),
        ({"payments": {"TX-1": {"status": "failed", "card_last4": "42"}}}, "card_last4"),
        ({"accounts": {"a@b.c": "locked"}}, "expected an object"),
        ({"refunds": {}}, "unknown section"),
        ({"orders": {"1": {"status": "delayed", "eta": "today+2"}}}, "no 'today' was given"),
    ],
)
def test_bad_facts_are_refused_with_where(facts: dict[str, object], error: str):
    with pytest.raises(ValueError, match=error):
        DemoBackend.from_facts(facts)


async def test_relative_dates_keep_the_demo_shop_current():
    backend = DemoBackend.demo_shop(today=date(2030, 1, 10))
    order = await backend.get_order("58007")
    assert order is not None
    assert (order.promised, order.eta) == (date(2030, 1, 5), date(2030, 1, 12))


def test_demo_shop_has_every_status():
    backend = DemoBackend.demo_shop(today=date(2026, 11, 23))
    assert len(backend._orders) >= 12
    assert {o.status for o in backend._orders.values()} == set(OrderStatus)
    assert {p.status for p in backend._payments.values()} == set(PaymentStatus)
    assert {a.status for a in backend._accounts.values()} == set(AccountStatus)
    reasons = {p.reason for p in backend._payments.values()}
    assert {"insufficient_funds", "card_expired", "bank_declined"} <= reasons
    carriers = {o.carrier for o in backend._orders.values()}
    assert {"JNE", "SiCepat", "J&T", "AnterAja"} <= carriers


def test_demo_backend_from_a_file(tmp_path: Path):
    path = tmp_path / "shop.json"
    path.write_text(json.dumps({"orders": {"7": {"status": "processing"}}}), encoding="utf-8")
    assert "7" in DemoBackend.from_file(path)._orders


# --- HttpBackend ----------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def _shop(handler: Handler, requests: list[httpx.Request]) -> HttpBackend:
    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return handler(request)

    return HttpBackend(
        "https://shop.example.com/api/relaydesk", "s3cret", transport=httpx.MockTransport(record)
    )


async def test_get_order_request_and_response():
    requests: list[httpx.Request] = []
    body = {"status": "in_transit", "promised": "2026-11-25", "eta": "2026-11-25",
            "carrier": "JNE", "tracking": "JNE10001", "unknown_field": "ignored"}  # fmt: skip
    async with _shop(lambda r: httpx.Response(200, json=body), requests) as shop:
        order = await shop.get_order("10001")
    assert order is not None and order.order_id == "10001" and order.carrier == "JNE"
    (request,) = requests
    assert request.method == "GET"
    assert str(request.url) == "https://shop.example.com/api/relaydesk/orders/10001"
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("relaydesk/")


async def test_get_payment_and_account_requests():
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/payments/TX-20001"):
            return httpx.Response(200, json={"status": "failed", "reason": "card_expired",
                                             "amount": 99000, "currency": "IDR"})  # fmt: skip
        return httpx.Response(200, json={"email": "maya@example.com", "status": "active"})

    async with _shop(handler, requests) as shop:
        payment = await shop.get_payment("TX-20001")
        account = await shop.get_account("maya+shop@example.com")
    assert payment is not None and payment.reason == "card_expired"
    assert account is not None and account.status is AccountStatus.ACTIVE
    assert [str(r.url) for r in requests] == [
        "https://shop.example.com/api/relaydesk/payments/TX-20001",
        "https://shop.example.com/api/relaydesk/accounts?email=maya%2Bshop%40example.com",
    ]


async def test_password_reset_posts_the_email():
    requests: list[httpx.Request] = []
    async with _shop(lambda r: httpx.Response(202, json={"sent": True}), requests) as shop:
        assert await shop.send_password_reset("maya@example.com")
    (request,) = requests
    assert request.method == "POST"
    assert request.url.path == "/api/relaydesk/accounts/password-reset"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"email": "maya@example.com"}


async def test_404_means_no_such_record():
    requests: list[httpx.Request] = []
    async with _shop(lambda r: httpx.Response(404, json={"error": "not_found"}), requests) as shop:
        assert await shop.get_order("99999") is None
        assert await shop.get_payment("TX-99999") is None
        assert await shop.get_account("nobody@example.com") is None
        assert await shop.send_password_reset("nobody@example.com") is False
    assert len(requests) == 4


async def test_ids_that_cannot_be_ours_are_never_sent():
    requests: list[httpx.Request] = []
    async with _shop(lambda r: httpx.Response(200, json={}), requests) as shop:
        assert await shop.get_order("../admin") is None
        assert await shop.get_order("..") is None
        assert await shop.get_payment("TX 1/2") is None
    assert requests == []


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (httpx.Response(401), CommerceAuthError, "refused our token"),
        (httpx.Response(403), CommerceAuthError, "HTTP 403"),
        (httpx.Response(500), CommerceUnavailable, "HTTP 500"),
        (httpx.Response(503), CommerceUnavailable, "HTTP 503"),
        (httpx.Response(429), CommerceUnavailable, "HTTP 429"),
        (httpx.Response(400), CommerceProtocolError, "unexpected HTTP 400"),
        (httpx.Response(200, content=b"<html>"), CommerceProtocolError, "not JSON"),
        (httpx.Response(200, json=[1, 2]), CommerceProtocolError, "expected a JSON object"),
        (httpx.Response(200, json={"status": "teleported"}), CommerceProtocolError, "status"),
    ],
)
async def test_shop_failures_become_clear_errors(
    response: httpx.Response, error: type[Exception], message: str
):
    async with _shop(lambda r: response, []) as shop:
        with pytest.raises(error, match=message):
            await shop.get_order("10001")


@pytest.mark.parametrize(
    ("exception", "message"),
    [
        (httpx.ConnectTimeout("slow"), "did not answer in time"),
        (httpx.ConnectError("refused"), "cannot reach the shop"),
    ],
)
async def test_network_failures_are_unavailable(exception: Exception, message: str):
    def fail(request: httpx.Request) -> httpx.Response:
        raise exception

    async with _shop(fail, []) as shop:
        with pytest.raises(CommerceUnavailable, match=message):
            await shop.get_payment("TX-20001")


def test_configuration_mistakes_fail_at_construction():
    with pytest.raises(ValueError, match="base URL"):
        HttpBackend("shop.example.com", "token")
    with pytest.raises(ValueError, match="token"):
        HttpBackend("https://shop.example.com", "")
