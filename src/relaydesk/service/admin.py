"""Setting up teams and agents (the demo seed and the admin API both use these)."""

from __future__ import annotations

from sqlalchemy import select

from relaydesk.domain.vocab import DEFAULT_TEAMS
from relaydesk.service.bootstrap import Container
from relaydesk.service.desk import hash_password
from relaydesk.service.errors import NotFound
from relaydesk.store.models import Agent, Contact, Conversation, Team, TeamMember


def policy_teams(c: Container) -> dict[str, str]:
    """Every team the escalation policy can send a case to, with a display name."""
    return {key: DEFAULT_TEAMS.get(key, key.replace("_", " ").title()) for key in c.policy.teams}


async def ensure_teams(c: Container, teams: dict[str, str] | None = None) -> None:
    """Create the teams that do not exist yet (by default: the policy's teams)."""
    async with c.uow() as uow:
        existing = set((await uow.session.execute(select(Team.key))).scalars())
        for key, name in (teams or policy_teams(c)).items():
            if key not in existing:
                uow.session.add(
                    Team(key=key, name=name, handle_time_s=c.settings.default_handle_time_s)
                )
        await uow.commit()


async def create_agent(
    c: Container,
    *,
    email: str,
    name: str,
    password: str,
    teams: list[str],
    capacity: int = 3,
) -> int:
    """Create (or update, by email) an agent in the given teams; the first is primary."""
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
