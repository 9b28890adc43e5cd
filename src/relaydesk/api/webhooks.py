"""Provider webhooks: /webhooks/{whatsapp,messenger,instagram,telegram,sms,email}.

Thin on purpose: read the raw bytes (signatures are over them, never over re-serialised
JSON), hand them to the channel's adapter through the service, answer what the provider
expects. Bot turns run after the answer, so a slow backend never makes a provider retry.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from relaydesk.api.deps import ContainerDep
from relaydesk.api.errors import error_body
from relaydesk.channels.base import ChannelError, WebhookRequest
from relaydesk.service import webhooks

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


async def as_webhook(request: Request, public_base: str | None) -> WebhookRequest:
    url = str(request.url)
    if public_base:  # behind a proxy: the URL the provider called (Twilio signs it)
        url = public_base.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query
    return WebhookRequest(
        method=request.method,
        url=url,
        headers={key.lower(): value for key, value in request.headers.items()},
        query=dict(request.query_params),
        body=await request.body(),
    )


def refused(error: ChannelError) -> JSONResponse:
    code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(
        error.status, "invalid_payload"
    )
    return JSONResponse(error_body(code, error.message, error.field), status_code=error.status)


@router.get("/{channel}")
async def handshake(channel: str, request: Request, c: ContainerDep) -> Response:
    """Meta's subscription check: echo hub.challenge when hub.verify_token is ours."""
    try:
        adapter = webhooks.adapter_for(c, channel)
        answer = getattr(adapter, "handshake", None)
        if answer is None:
            return JSONResponse(
                error_body("not_found", f"{channel} has no subscription handshake"), 404
            )
        challenge = answer(await as_webhook(request, c.settings.public_url))
    except ChannelError as error:
        return refused(error)
    return PlainTextResponse(challenge)


@router.post("/{channel}")
async def receive(channel: str, request: Request, c: ContainerDep) -> Response:
    try:
        adapter = webhooks.adapter_for(c, channel)
        conversations = await webhooks.accept(
            c, channel, await as_webhook(request, c.settings.public_url)
        )
    except ChannelError as error:
        return refused(error)
    workers = request.app.state.workers
    for conversation_id in conversations:
        workers.process(c, conversation_id)
    media_type, body = adapter.acknowledge()
    return Response(body, media_type=media_type)
