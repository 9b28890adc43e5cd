"""The demo: four teams, a few agents with printed logins, and the demo shop's data."""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk.service import admin
from relaydesk.service.bootstrap import Container


@dataclass(frozen=True)
class DemoAgent:
    email: str
    name: str
    password: str
    teams: tuple[str, ...]
    capacity: int = 3
    languages: tuple[str, ...] = ()  # empty: any


DEMO_AGENTS = (
    DemoAgent("dewi@demo.relaydesk", "Dewi", "demo-dewi", ("logistics", "general")),
    DemoAgent("budi@demo.relaydesk", "Budi", "demo-budi", ("billing", "general")),
    DemoAgent("sari@demo.relaydesk", "Sari", "demo-sari", ("accounts", "general"), 3, ("id", "en")),
    DemoAgent(
        "alex@demo.relaydesk",
        "Alex",
        "demo-alex",
        ("general", "logistics", "billing", "accounts"),
        5,
    ),
)


async def seed(c: Container) -> tuple[DemoAgent, ...]:
    await admin.ensure_teams(c)
    for agent in DEMO_AGENTS:
        await admin.create_agent(
            c,
            email=agent.email,
            name=agent.name,
            password=agent.password,
            teams=list(agent.teams),
            capacity=agent.capacity,
            skills={"languages": list(agent.languages)} if agent.languages else None,
        )
    return DEMO_AGENTS
