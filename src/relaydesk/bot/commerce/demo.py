"""An in-memory shop: scenario facts, tests, and the demo behind `relaydesk serve --demo`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from relaydesk.bot.commerce.records import Account, Order, Payment, Record

_RecordT = TypeVar("_RecordT", bound=Record)


class DemoBackend:
    """Orders, payments and accounts held in memory: scenarios, tests and `serve --demo`."""

    def __init__(
        self,
        orders: Mapping[str, Order] | None = None,
        payments: Mapping[str, Payment] | None = None,
        accounts: Mapping[str, Account] | None = None,
    ) -> None:
        self._orders = dict(orders or {})
        self._payments = dict(payments or {})
        self._accounts = {email.lower(): a for email, a in (accounts or {}).items()}
        self.password_resets_sent: list[str] = []

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any], *, today: date | None = None) -> DemoBackend:
        """Records in the scenario `facts` shape (FORMAT.md): orders, payments, accounts.

        Dates may be written relative to `today` ("today", "today+2", "today-5"), which
        keeps the demo shop's parcels late or on time whatever the date.
        """
        unknown = set(facts) - {"orders", "payments", "accounts"}
        if unknown:
            raise ValueError(f"facts: unknown section(s) {sorted(unknown)}")
        return cls(
            orders=_records(Order, "orders", "order_id", facts, today),
            payments=_records(Payment, "payments", "transaction_id", facts, today),
            accounts=_records(Account, "accounts", "email", facts, today),
        )

    @classmethod
    def from_file(cls, path: str | Path, *, today: date | None = None) -> DemoBackend:
        with open(path, encoding="utf-8") as handle:
            return cls.from_facts(json.load(handle), today=today)

    @classmethod
    def demo_shop(cls, *, today: date | None = None) -> DemoBackend:
        """The packaged demo shop (bot/data/demo_shop.json), dates relative to `today`."""
        raw = files("relaydesk.bot").joinpath("data", "demo_shop.json").read_text("utf-8")
        data = {k: v for k, v in json.loads(raw).items() if not k.startswith("_")}
        return cls.from_facts(data, today=today or date.today())

    async def get_order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    async def get_payment(self, transaction_id: str) -> Payment | None:
        return self._payments.get(transaction_id)

    async def get_account(self, email: str) -> Account | None:
        return self._accounts.get(email.lower())

    async def send_password_reset(self, email: str) -> bool:
        if email.lower() not in self._accounts:
            return False
        self.password_resets_sent.append(email.lower())
        return True


_RELATIVE_DAY = re.compile(r"^today(?:\s*([+-])\s*(\d{1,4}))?$")


def _records(
    model: type[_RecordT],
    section: str,
    key_field: str,
    facts: Mapping[str, Any],
    today: date | None,
) -> dict[str, _RecordT]:
    records = {}
    for key, fields in (facts.get(section) or {}).items():
        if not isinstance(fields, Mapping):
            raise ValueError(f"facts.{section}.{key}: expected an object")
        values = {name: _resolve_day(value, today) for name, value in fields.items()}
        try:
            records[str(key)] = model.model_validate({key_field: str(key), **values})
        except ValidationError as exc:
            raise ValueError(f"facts.{section}.{key}: {_first_error(exc)}") from exc
    return records


def _resolve_day(value: Any, today: date | None) -> Any:
    if not isinstance(value, str) or not (match := _RELATIVE_DAY.match(value.strip())):
        return value
    if today is None:
        raise ValueError(f"{value!r} is a relative date but no 'today' was given")
    sign, count = match.groups()
    offset = int(count or 0) * (-1 if sign == "-" else 1)
    return (today + timedelta(days=offset)).isoformat()


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"
