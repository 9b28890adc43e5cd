"""A real shop over HTTP: the JSON contract of docs/commerce-backend.md.

Every failure becomes one of the `CommerceError` kinds, named with the call it broke, so
the bot can tell the customer it cannot check right now and the operator can see why. A
404 is not a failure: it is the shop saying "no such order".
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from relaydesk import __version__
from relaydesk.bot.commerce.records import (
    Account,
    CommerceAuthError,
    CommerceProtocolError,
    CommerceUnavailable,
    Order,
    Payment,
    Record,
)

_RecordT = TypeVar("_RecordT", bound=Record)

# Ids go into the URL path; anything else cannot be an id of ours and is never sent.
_SAFE_ID = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9._\-]{1,64}$")


class HttpBackend:
    """`CommerceBackend` for a shop that serves the relaydesk commerce contract."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"commerce base URL must be http(s)://..., not {base_url!r}")
        if not token:
            raise ValueError("commerce API token is empty")
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": f"relaydesk/{__version__}",
            },
            # A customer is waiting on the other end: fail fast rather than hang the turn.
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            transport=transport,
            follow_redirects=False,
        )

    async def get_order(self, order_id: str) -> Order | None:
        if not _SAFE_ID.match(order_id):
            return None
        data = await self._json("GET", f"orders/{quote(order_id)}", "get_order")
        return None if data is None else _parse(Order, {"order_id": order_id, **data})

    async def get_payment(self, transaction_id: str) -> Payment | None:
        if not _SAFE_ID.match(transaction_id):
            return None
        data = await self._json("GET", f"payments/{quote(transaction_id)}", "get_payment")
        return None if data is None else _parse(Payment, {"transaction_id": transaction_id, **data})

    async def get_account(self, email: str) -> Account | None:
        # The address goes in the query, never the path: it may hold "/" or "+".
        data = await self._json("GET", "accounts", "get_account", params={"email": email})
        return None if data is None else _parse(Account, {"email": email, **data})

    async def send_password_reset(self, email: str) -> bool:
        response = await self._send(
            "POST", "accounts/password-reset", "send_password_reset", json={"email": email}
        )
        return response is not None

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpBackend:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _json(
        self, method: str, path: str, call: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        response = await self._send(method, path, call, **kwargs)
        if response is None:
            return None
        try:
            data = response.json()
        except ValueError as exc:
            raise CommerceProtocolError(f"{call}: the shop's answer is not JSON") from exc
        if not isinstance(data, dict):
            raise CommerceProtocolError(
                f"{call}: expected a JSON object, got {type(data).__name__}"
            )
        return data

    async def _send(
        self, method: str, path: str, call: str, **kwargs: Any
    ) -> httpx.Response | None:
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise CommerceUnavailable(f"{call}: the shop did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise CommerceUnavailable(f"{call}: cannot reach the shop ({exc})") from exc
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise CommerceAuthError(f"{call}: the shop refused our token (HTTP {status})")
        if status == 429 or status >= 500:
            raise CommerceUnavailable(f"{call}: the shop answered HTTP {status}")
        if not 200 <= status < 300:
            raise CommerceProtocolError(f"{call}: unexpected HTTP {status}")
        return response


def _parse(model: type[_RecordT], data: dict[str, Any]) -> _RecordT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        name = model.__name__.lower()
        raise CommerceProtocolError(f"{name} from the shop: {where}: {error['msg']}") from exc
