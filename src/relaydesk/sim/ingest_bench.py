"""`relaydesk bench ingest`: the message pipeline against the physical limit.

The protocol of shared/REFERENCE.md, on one machine, in one run:

- B0: a bare ASGI endpoint that reads the raw body, verifies the HMAC, does one
  deduplicating INSERT and COMMIT, and answers 200: the limit for "accept one message".
- P_ingest: relaydesk's real WhatsApp webhook, up to the acknowledged, stored message.
- P_full: webhook -> bot -> escalation -> outbox -> sender -> the provider: timed until
  the bot's reply reaches the (local) provider stand-in.
- Desk: a customer's message on a case an agent holds, until the agent's desk socket has it.

Each server runs in a process of its own; the load comes from this one. Throughput X is
measured closed-loop (`concurrency` senders back to back); latencies open-loop at a fixed
arrival rate, timed from when each request was *due*, so a slow answer is never hidden by
the sender waiting for it. Runs with more than 0.1% errors are reported as such.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from relaydesk.channels.demo import demo_config
from relaydesk.channels.simulate import customer_webhook

Say = Callable[[str], None]
AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
BENCH_AGENT = ("bench@demo.relaydesk", "bench-agent-password")
MAX_ERROR_SHARE = 0.001


@dataclass(frozen=True)
class IngestConfig:
    rate: float = 20.0  # offered messages a second in the latency runs
    seconds: float = 10.0  # each run's length
    concurrency: int = 16  # senders in the throughput runs
    desk_cases: int = 40  # cases held by the desk agent in the socket run
    database_url: str = ""  # empty: a fresh SQLite file


@dataclass
class Run:
    latencies_s: list[float]
    errors: int
    seconds: float

    def report(self) -> dict[str, Any]:
        done = np.array(self.latencies_s) if self.latencies_s else np.array([np.nan])
        total = len(self.latencies_s) + self.errors
        return {
            "messages": total,
            "errors": self.errors,
            "valid": total > 0 and self.errors / total <= MAX_ERROR_SHARE,
            "msgs_per_s": round(len(self.latencies_s) / self.seconds, 1),
            "p50_ms": round(float(np.percentile(done, 50)) * 1000, 2),
            "p99_ms": round(float(np.percentile(done, 99)) * 1000, 2),
            "p999_ms": round(float(np.percentile(done, 99.9)) * 1000, 2),
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the servers -----------------------------------------------------------------------------


def serve_b0(database_url: str, port: int, app_secret: str) -> None:
    """B0 in its own process: HMAC, one deduplicating INSERT + COMMIT, 200."""
    import uvicorn
    from sqlalchemy import text

    from relaydesk.channels.base import ChannelError, WebhookRequest
    from relaydesk.channels.meta import verify_signature
    from relaydesk.settings import to_async_url
    from relaydesk.store.db import create_engine, is_sqlite

    url = to_async_url(database_url)
    engine = create_engine(url)
    lock = asyncio.Lock() if is_sqlite(url) else contextlib.nullcontext()
    insert = text(
        "INSERT INTO b0_messages (channel, external_id) VALUES ('whatsapp', :id) "
        "ON CONFLICT (channel, external_id) DO NOTHING"
    )

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                async with engine.begin() as connection:
                    await connection.execute(
                        text(
                            "CREATE TABLE IF NOT EXISTS b0_messages (channel VARCHAR(16), "
                            "external_id VARCHAR(255), PRIMARY KEY (channel, external_id))"
                        )
                    )
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        try:
            verify_signature(WebhookRequest("POST", "", headers, {}, body), app_secret)
            wamid = json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        except (ChannelError, ValueError, LookupError):
            await _answer(send, 403)
            return
        async with lock, engine.begin() as connection:
            await connection.execute(insert, {"id": wamid})
        await _answer(send, 200)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


async def _answer(send: Any, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def serve_standin(port: int) -> None:
    """WhatsApp's send API, in its own process: answers as Graph does and records who got a
    message when (GET /outbound?after=N), so P_full is timed to the provider's door."""
    import uvicorn

    sent: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET":
            after = int((scope.get("query_string") or b"after=0").decode().partition("=")[2] or 0)
            body = json.dumps({"sent": sent[after:]}).encode()
        else:
            raw = b""
            while True:
                message = await receive()
                raw += message.get("body", b"")
                if not message.get("more_body"):
                    break
            to = json.loads(raw or b"{}").get("to")
            sent.append({"id": len(sent) + 1, "to": to, "at": time.time()})
            body = json.dumps({"messages": [{"id": f"wamid.BENCH{len(sent)}"}]}).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def serve_relaydesk(database_url: str, data_dir: str, port: int, standin: str) -> None:
    """relaydesk in its own process, every channel on with the demo secrets, the
    providers' APIs at `standin`."""
    import uvicorn

    from relaydesk.api.app import create_app
    from relaydesk.channels.registry import Channels
    from relaydesk.demo import seed
    from relaydesk.service import admin
    from relaydesk.service.bootstrap import bootstrap
    from relaydesk.settings import Settings

    settings = Settings(database_url=database_url, data_dir=Path(data_dir))
    channels = Channels(demo_config(standin, listen_port=0))

    async def prepare() -> None:
        c = bootstrap(settings, channels=channels)
        await c.start()
        try:
            await seed(c)
            await admin.create_agent(
                c,
                email=BENCH_AGENT[0],
                name="Bench",
                password=BENCH_AGENT[1],
                teams=["general", "logistics", "billing", "accounts"],
                capacity=100_000,
            )
        finally:
            await c.stop()

    asyncio.run(prepare())
    app = create_app(bootstrap(settings, channels=channels))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


class Process:
    def __init__(self, target: Callable[..., None], *args: Any) -> None:
        self._process = multiprocessing.get_context("spawn").Process(
            target=target, args=args, daemon=True
        )

    def __enter__(self) -> Process:
        self._process.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._process.terminate()
        self._process.join(10)


async def _wait_ready(http: httpx.AsyncClient, url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            await http.get(url)
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not start within 120 s")


async def wait_until(done: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds / 0.2)):
        if done():
            return
        await asyncio.sleep(0.2)


# --- load ------------------------------------------------------------------------------------


async def closed_loop(send: Callable[[int], Awaitable[None]], workers: int, seconds: float) -> Run:
    """`workers` senders back to back for `seconds`: what the server sustains."""
    counter = iter(range(10**9))
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < end:
            start = time.perf_counter()
            try:
                await send(next(counter))
                latencies.append(time.perf_counter() - start)
            except Exception:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return Run(latencies, errors, seconds)


async def open_loop(
    send: Callable[[int], Awaitable[float | None]], rate: float, seconds: float
) -> Run:
    """One request every 1/rate s whatever the answers do; a latency runs from when the
    request was due (or `send` returns the moment its work was really done, epoch s)."""
    count = int(rate * seconds)
    start = time.time() + 0.2
    latencies: list[float] = []
    errors = 0

    async def one(number: int, due: float) -> None:
        nonlocal errors
        try:
            done = await send(number)
            latencies.append((done if done is not None else time.time()) - due)
        except Exception:
            errors += 1

    tasks = []
    for number in range(count):
        due = start + number / rate
        await asyncio.sleep(max(0.0, due - time.time()))
        tasks.append(asyncio.create_task(one(number, due)))
    await asyncio.gather(*tasks)
    return Run(latencies, errors, seconds)


# --- the run ---------------------------------------------------------------------------------


class Bench:
    def __init__(self, config: IngestConfig, base: str, b0: str, standin: str) -> None:
        self.config = config
        self.base = base
        self.b0 = b0
        self.standin = standin
        self.channels = demo_config(standin, listen_port=0)
        self.http = httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=512, max_keepalive_connections=512)
        )
        self._serial = 0

    def webhook(self, customer: str, text: str) -> tuple[str, dict[str, str], bytes]:
        self._serial += 1
        hook = customer_webhook(
            self.channels,
            "whatsapp",
            customer=customer,
            text=text,
            message_id=f"bench{time.time_ns()}{self._serial}",
            at=AT,
        )
        return hook.path, hook.headers, hook.body

    async def post(self, url: str, customer: str, text: str) -> None:
        path, headers, body = self.webhook(customer, text)
        answer = await self.http.post(url or f"{self.base}{path}", headers=headers, content=body)
        if answer.status_code != 200:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")

    async def ingest(self, url: str, prefix: str) -> tuple[Run, Run]:
        def send(number: int) -> Awaitable[None]:
            return self.post(url, f"+628{prefix}{number % 500:07d}", f"hello {number}")

        capacity = await closed_loop(send, self.config.concurrency, self.config.seconds)

        async def timed(number: int) -> None:
            await self.post(url, f"+628{prefix}{number % 500:07d}", f"hello again {number}")

        latency = await open_loop(timed, self.config.rate, self.config.seconds)
        return capacity, latency

    async def full(self) -> Run:
        """Each message from a new customer; done when the bot's reply reached WhatsApp."""
        seen = await self._outbound_after(0)
        after = max((item["id"] for item in seen), default=0)
        sent: dict[str, float] = {}

        async def send(number: int) -> float | None:
            customer = f"+62877{number:07d}"
            sent[customer.removeprefix("+")] = time.time()
            await self.post("", customer, "hello")
            return None

        run = await open_loop(send, self.config.rate, self.config.seconds)
        replies: dict[str, float] = {}
        deadline = time.time() + 120
        while len(replies) < len(sent) and time.time() < deadline:
            await asyncio.sleep(1.0)
            for item in await self._outbound_after(after):
                after = max(after, item["id"])
                to = item["to"]
                if to in sent and to not in replies:
                    replies[to] = item["at"]
        latencies = [replies[to] - at for to, at in sent.items() if to in replies]
        return Run(latencies, len(sent) - len(replies), run.seconds)

    async def _outbound_after(self, after: int) -> list[dict[str, Any]]:
        answer = await self.http.get(f"{self.standin}/outbound", params={"after": after})
        return list(answer.json()["sent"])

    async def desk(self) -> Run:
        """Customers whose cases the bench agent holds write; timed until its socket has it."""
        import websockets

        login = await self.http.post(
            f"{self.base}/api/agent/login",
            json={"email": BENCH_AGENT[0], "password": BENCH_AGENT[1]},
        )
        token = login.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        received: dict[str, float] = {}
        offered: list[str] = []
        ws_url = self.base.replace("http://", "ws://") + f"/api/agent/ws?token={token}"
        async with websockets.connect(ws_url, max_size=None) as ws:

            async def listen() -> None:
                async for raw in ws:
                    event = json.loads(raw)  # {"type", **payload}
                    if event.get("type") == "offer":
                        offered.append(event.get("conversation_id"))
                    text = event.get("text") or ""
                    if event.get("type") == "message" and text.startswith("marker "):
                        received.setdefault(text, time.time())

            listener = asyncio.create_task(listen())
            customers = [f"+62878{n:07d}" for n in range(self.config.desk_cases)]
            for customer in customers:
                await self.post("", customer, "I want to talk to a real person")
            await wait_until(lambda: len(set(offered)) >= len(customers), 60)
            for conversation_id in set(offered):
                await self.http.post(
                    f"{self.base}/api/agent/conversations/{conversation_id}/accept", headers=auth
                )
            due: dict[str, float] = {}

            async def send(number: int) -> float | None:
                text = f"marker {number}"
                due[text] = time.time()
                await self.post("", customers[number % len(customers)], text)
                return None

            run = await open_loop(send, self.config.rate, self.config.seconds)
            await wait_until(lambda: len(received) >= len(due), 30)
            listener.cancel()
        latencies = [received[text] - at for text, at in due.items() if text in received]
        return Run(latencies, len(due) - len(latencies), run.seconds)


async def _bench(
    config: IngestConfig, base: str, b0: str, standin: str, say: Say
) -> dict[str, Any]:
    bench = Bench(config, base, b0, standin)
    try:
        await _wait_ready(bench.http, f"{base}/healthz")
        await _wait_ready(bench.http, b0)
        await _wait_ready(bench.http, f"{standin}/outbound")
        say("B0: HMAC + one deduplicating INSERT + COMMIT")
        b0_capacity, b0_latency = await bench.ingest(b0, "1")
        say("P_ingest: the real WhatsApp webhook, to the stored message")
        ingest_capacity, ingest_latency = await bench.ingest("", "2")
        say("P_full: webhook -> bot -> outbox -> provider")
        full = await bench.full()
        say("desk: a held case's message to the agent's socket")
        desk = await bench.desk()
    finally:
        await bench.http.aclose()
    x_b0 = b0_capacity.report()["msgs_per_s"]
    x_ingest = ingest_capacity.report()["msgs_per_s"]
    return {
        "config": config.__dict__,
        "b0": {"throughput": b0_capacity.report(), "latency": b0_latency.report()},
        "p_ingest": {
            "throughput": ingest_capacity.report(),
            "latency": ingest_latency.report(),
            "efficiency": round(x_ingest / x_b0, 3) if x_b0 else None,
        },
        "p_full": {"latency": full.report()},
        "desk_socket": {"latency": desk.report()},
    }


def run_ingest_bench(config: IngestConfig, say: Say = lambda _: None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="relaydesk-ingest-") as tmp:
        url = config.database_url or f"sqlite:///{tmp}/bench.db"
        b0_url = config.database_url or f"sqlite:///{tmp}/b0.db"
        port, b0_port, standin_port = free_port(), free_port(), free_port()
        standin = f"http://127.0.0.1:{standin_port}"
        secret = demo_config("http://unused").whatsapp
        assert secret is not None
        app_secret = secret.app_secret.get_secret_value()
        with (
            Process(serve_standin, standin_port),
            Process(serve_relaydesk, url, tmp, port, standin),
            Process(serve_b0, b0_url, b0_port, app_secret),
        ):
            return asyncio.run(
                _bench(
                    config,
                    f"http://127.0.0.1:{port}",
                    f"http://127.0.0.1:{b0_port}/",
                    standin,
                    say,
                )
            )
