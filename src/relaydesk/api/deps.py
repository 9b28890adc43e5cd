"""Request-scoped dependencies: the container, the signed-in agent, the web chat visitor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.requests import HTTPConnection

from relaydesk.service import desk
from relaydesk.service.bootstrap import Container
from relaydesk.service.errors import Unauthorized

SESSION_COOKIE = "relaydesk_session"


def container(connection: HTTPConnection) -> Container:
    c: Container = connection.app.state.container
    return c


ContainerDep = Annotated[Container, Depends(container)]


def agent_token(connection: HTTPConnection) -> str:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    token = connection.cookies.get(SESSION_COOKIE) or connection.query_params.get("token")
    if not token:
        raise Unauthorized("sign in first: no session token or cookie")
    return token


async def current_agent(request: Request, c: ContainerDep) -> desk.AgentView:
    return await desk.authenticate(c, agent_token(request))


AgentDep = Annotated[desk.AgentView, Depends(current_agent)]


def visitor_token(
    authorization: Annotated[str | None, Header()] = None,
    x_visitor_token: Annotated[str | None, Header()] = None,
) -> str:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    if x_visitor_token:
        return x_visitor_token
    raise Unauthorized("no visitor token: start a chat session first")


VisitorDep = Annotated[str, Depends(visitor_token)]
