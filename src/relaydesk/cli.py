"""The `relaydesk` command."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from relaydesk.cli_nlu import nlu_app
from relaydesk.cli_routing import bench_app, simulate_command
from relaydesk.settings import Settings

if TYPE_CHECKING:
    from relaydesk.demo import DemoAgent

app = typer.Typer(
    help="relaydesk: hand customers from the bot to people, well.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
policy_app = typer.Typer(help="Escalation policies.", no_args_is_help=True)
routing_app = typer.Typer(help="Routing files.", no_args_is_help=True)
channels_app = typer.Typer(help="Channel settings files.", no_args_is_help=True)
agents_app = typer.Typer(help="Agents and their teams.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(policy_app, name="policy")
app.add_typer(routing_app, name="routing")
app.add_typer(channels_app, name="channels")
app.add_typer(nlu_app, name="nlu")
app.add_typer(agents_app, name="agents")
app.add_typer(bench_app, name="bench")
app.command("simulate")(simulate_command)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        typer.echo("relaydesk: invalid settings:", err=True)
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            variable = f"RELAYDESK_{where.upper()}" if error["loc"] else "settings"
            typer.echo(f"  {variable}: {error['msg']}", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option(help="Seed teams, demo agents and demo shop data.")] = False,
) -> None:
    """Run the server (web chat, agent desk, APIs)."""
    import uvicorn

    from relaydesk.api.app import create_app
    from relaydesk.bot.backends import BackendError
    from relaydesk.channels.registry import ChannelsError
    from relaydesk.escalation.policy import PolicyError
    from relaydesk.service.bootstrap import bootstrap
    from relaydesk.service.routing_config import RoutingError

    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    settings = load_settings(demo=demo) if demo else load_settings()
    if demo and settings.public_url is None:
        # The demo's provider stand-ins live on this server: outbound calls come here.
        settings = settings.model_copy(update={"public_url": base})
    try:
        container = bootstrap(settings)
    except PolicyError as exc:
        typer.echo(f"relaydesk: the escalation policy is invalid:\n{exc}", err=True)
        raise typer.Exit(2) from None
    except RoutingError as exc:
        typer.echo(f"relaydesk: the routing file is invalid:\n{exc}", err=True)
        raise typer.Exit(2) from None
    except BackendError as exc:
        typer.echo(f"relaydesk: RELAYDESK_NLU_BACKEND: {exc}", err=True)
        raise typer.Exit(2) from None
    except ChannelsError as exc:
        typer.echo(f"relaydesk: the channels file is invalid:\n{exc}", err=True)
        raise typer.Exit(2) from None
    if demo:
        agents = asyncio.run(_seed_demo(settings))
        typer.echo("relaydesk demo")
        typer.echo(f"  customer chat:  {base}/")
        typer.echo(f"  agent desk:     {base}/desk")
        typer.echo(f"  channels:       {base}/demo/channels (WhatsApp, Messenger, ... e-mail)")
        typer.echo("  demo agents (email / password / teams):")
        for agent in agents:
            typer.echo(f"    {agent.email} / {agent.password} / {', '.join(agent.teams)}")
        typer.echo(f"  database: {settings.async_database_url}")
    uvicorn.run(create_app(container), host=host, port=port, log_level="info")


async def _seed_demo(settings: Settings) -> tuple[DemoAgent, ...]:
    """Seed in a container of its own: its engine and locks belong to this event loop."""
    from relaydesk.demo import seed
    from relaydesk.service.bootstrap import bootstrap

    container = bootstrap(settings)
    await container.start()
    try:
        return await seed(container)
    finally:
        await container.stop()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Bring the database schema up to date."""
    from relaydesk.store.db import create_engine, migrate

    settings = load_settings()

    async def run() -> None:
        engine = create_engine(settings.async_database_url)
        try:
            await migrate(engine, revision)
        finally:
            await engine.dispose()

    asyncio.run(run())
    typer.echo(f"database at {revision}: {settings.async_database_url}")


@agents_app.command("add")
def agents_add(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    name: Annotated[str, typer.Option(help="Name the customer sees.")],
    teams: Annotated[str, typer.Option(help="Comma-separated team keys; the first is primary.")],
    capacity: Annotated[int, typer.Option(min=1, max=50, help="Conversations at once.")] = 3,
    languages: Annotated[str, typer.Option(help="Comma-separated, e.g. en,id; empty: any.")] = "",
    channels: Annotated[str, typer.Option(help="Comma-separated channels; empty: any.")] = "",
    topics: Annotated[str, typer.Option(help="Comma-separated topics; empty: any.")] = "",
    tiers: Annotated[str, typer.Option(help="Comma-separated tiers (standard, vip).")] = "",
    channel_capacity: Annotated[
        str, typer.Option(help="Per-channel limits, e.g. whatsapp=2,email=5; empty: none.")
    ] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create an agent (or add teams to an existing one)."""
    from relaydesk.service import admin
    from relaydesk.service.bootstrap import bootstrap

    settings = load_settings()
    keys = _comma_list(teams)
    given = {"languages": languages, "channels": channels, "topics": topics, "tiers": tiers}
    skills = {kind: _comma_list(value) for kind, value in given.items() if value.strip()}
    limits: dict[str, int] = {}
    for item in _comma_list(channel_capacity):
        channel, _, limit = item.partition("=")
        if not limit.strip().isdigit() or int(limit) < 1:
            typer.echo(f"relaydesk: --channel-capacity: {item!r} is not channel=number", err=True)
            raise typer.Exit(2)
        limits[channel.strip()] = int(limit)

    async def run() -> int:
        container = bootstrap(settings)
        await container.start()
        try:
            await admin.ensure_teams(container)
            return await admin.create_agent(
                container,
                email=email,
                name=name,
                password=password,
                teams=keys,
                capacity=capacity,
                skills=skills,
                channel_capacity=limits,
            )
        finally:
            await container.stop()

    if len(password) < 8:
        typer.echo("relaydesk: the password needs at least 8 characters", err=True)
        raise typer.Exit(2)
    try:
        agent_id = asyncio.run(run())
    except ValueError as exc:
        typer.echo(f"relaydesk: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"agent {agent_id}: {email.strip().lower()} in {', '.join(keys)}")


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@routing_app.command("check")
def routing_check(
    files: Annotated[list[Path], typer.Argument(help="Routing YAML files.")],
) -> None:
    """Validate routing files (teams' offers, overflow, hours); errors name the line."""
    from relaydesk.service.routing_config import check_routing_file

    _check_files(files, check_routing_file)


@channels_app.command("check")
def channels_check(
    files: Annotated[list[Path], typer.Argument(help="Channels YAML files.")],
) -> None:
    """Validate channels files (tokens, secrets, numbers, templates); errors name the line
    and never print a secret."""
    from relaydesk.channels.registry import check_channels_file

    _check_files(files, check_channels_file)


@policy_app.command("check")
def policy_check(files: Annotated[list[Path], typer.Argument(help="Policy YAML files.")]) -> None:
    """Validate escalation policy files; errors name the file and line."""
    from relaydesk.escalation.policy import check_policy_file

    _check_files(files, check_policy_file)


def _check_files(files: list[Path], check: Callable[[Path], list[str]]) -> None:
    failed = False
    for path in files:
        problems = check(path)
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            failed = True
        else:
            typer.echo(f"{path}: ok")
    raise typer.Exit(1 if failed else 0)


@app.command("eval")
def eval_command(
    files: Annotated[list[Path], typer.Argument(help="Scenario files (JSON Lines).")],
    verbose: Annotated[bool, typer.Option(help="Print each scenario's outcome.")] = False,
    all_channels: Annotated[
        bool,
        typer.Option(
            "--all-channels",
            help="Also replay every scenario on every channel and report whether the "
            "decisions agree (channel_consistency, channel_mismatches, channel_overrides).",
        ),
    ] = False,
) -> None:
    """Play conversation scenarios through the real pipeline and print the scores as JSON."""
    from relaydesk.sim.eval import ScenarioError, run_eval

    try:
        report = asyncio.run(run_eval(files, verbose=verbose, all_channels=all_channels))
    except ScenarioError as exc:
        typer.echo(f"relaydesk eval: {exc}", err=True)
        raise typer.Exit(2) from None
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


def main() -> None:
    app()
