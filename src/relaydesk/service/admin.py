"""Setting up teams and agents (the demo seed and the admin API both use these)."""

from __future__ import annotations

from sqlalchemy import select

from relaydesk.domain.vocab import DEFAULT_TEAMS, Channel
from relaydesk.routing.model import SKILL_KINDS
from relaydesk.service.bootstrap import Container
from relaydesk.service.desk import hash_password
from relaydesk.service.errors import NotFound
from relaydesk.store.models import Agent, Contact, Conversation, Team, TeamMember


def policy_teams(c: Container) -> dict[str, str]:
    """Every team the escalation policy can send a case to, and every team the routing
    file sets up (transfers may reach those), with a display name."""
    keys = [*c.policy.teams, *(k for k in c.routing.teams if k not in c.policy.teams)]
    return {
        key: c.routing.team(key).name or DEFAULT_TEAMS.get(key, key.replace("_", " ").title())
        for key in keys
    }


async def ensure_teams(c: Container, teams: dict[str, str] | None = None) -> None:
    """Create the teams that do not exist yet (by default: the policy's teams)."""
    async with c.uow() as uow:
        existing = {t.key: t for t in (await uow.session.execute(select(Team))).scalars()}
        for key, name in (teams or policy_teams(c)).items():
            handle_time_s = c.routing.rules(key).handle_time_s
            if key not in existing:
                uow.session.add(Team(key=key, name=name, handle_time_s=handle_time_s))
            else:  # the routing file is the source of a team's name and settings
                existing[key].name, existing[key].handle_time_s = name, handle_time_s
        await uow.commit()


async def create_agent(
    c: Container,
    *,
    email: str,
    name: str,
    password: str,
    teams: list[str],
    capacity: int = 3,
    skills: dict[str, list[str]] | None = None,
    channel_capacity: dict[str, int] | None = None,
) -> int:
    """Create (or update, by email) an agent in the given teams; the first is primary, the
    others secondary (they help there once a case overflows). `skills` maps languages,
    channels, topics and tiers to what the agent takes (left out: any)."""
    known = {c.value for c in Channel}
    named = set((skills or {}).get("channels", [])) | set(channel_capacity or {})
    if named - known:
        raise ValueError(
            f"unknown channel(s): {', '.join(sorted(named - known))}; "
            f"known: {', '.join(sorted(known))}"
        )
    unknown_skills = set(skills or {}) - SKILL_KINDS
    if unknown_skills:
        raise ValueError(
            f"unknown skill kind(s): {', '.join(sorted(unknown_skills))}; "
            f"known: {', '.join(sorted(SKILL_KINDS))}"
        )
    async with c.uow() as uow:
        email = email.strip().lower()
        agent = (
            await uow.session.execute(select(Agent).where(Agent.email == email))
        ).scalar_one_or_none()
        if agent is None:
            agent = Agent(
                email=email,
                name=name,
                password_hash=hash_password(password),
                capacity=capacity,
                skills={},
                channel_capacity={},
                presence="offline",
                created_at=uow.now,
                memberships=[],
            )
            uow.session.add(agent)
            await uow.session.flush()
        by_key = {t.key: t for t in (await uow.session.execute(select(Team))).scalars()}
        unknown = [key for key in teams if key not in by_key]
        if unknown:
            raise ValueError(f"unknown team(s): {', '.join(unknown)}")
        if skills is not None:
            agent.skills = {kind: sorted(set(values)) for kind, values in skills.items()}
        if channel_capacity is not None:
            agent.channel_capacity = dict(channel_capacity)
        agent.capacity = capacity
        have = {m.team_id for m in agent.memberships}
        for index, key in enumerate(teams):
            if by_key[key].id not in have:
                agent.memberships.append(TeamMember(team_id=by_key[key].id, is_primary=index == 0))
        await uow.commit()
        return agent.id


async def set_contact_profile(
    c: Container, conversation_id: str, *, name: str | None, tier: str | None
) -> None:
    """What a trusted source (the shop's customer record) says about the person writing."""
    async with c.uow() as uow:
        conversation = await uow.session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"no conversation {conversation_id!r}", field="conversation_id")
        contact = await uow.session.get(Contact, conversation.contact_id)
        assert contact is not None
        contact.name = name or contact.name
        contact.tier = tier or contact.tier
        await uow.commit()
