"""What Meta's platforms (WhatsApp Cloud API, Messenger, Instagram) share: the
`X-Hub-Signature-256` HMAC over the raw body, and the GET subscription handshake."""

from __future__ import annotations

import hashlib
import hmac

from relaydesk.channels.base import (
    PayloadInvalid,
    SignatureInvalid,
    SignatureMissing,
    WebhookRequest,
)

SIGNATURE_HEADER = "x-hub-signature-256"


def signature(app_secret: str, body: bytes) -> str:
    """The header value Meta sends: "sha256=" + hex HMAC-SHA256(app secret, raw body)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(request: WebhookRequest, app_secret: str) -> None:
    given = request.header(SIGNATURE_HEADER)
    if not given:
        raise SignatureMissing("missing X-Hub-Signature-256 header", field=SIGNATURE_HEADER)
    if not hmac.compare_digest(
        given.strip().encode(), signature(app_secret, request.body).encode()
    ):
        raise SignatureInvalid(
            "X-Hub-Signature-256 does not match the body signed with the app secret",
            field=SIGNATURE_HEADER,
        )


def handshake(request: WebhookRequest, verify_token: str) -> str:
    """GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...: answer the challenge
    when the token is ours."""
    mode = request.query.get("hub.mode")
    token = request.query.get("hub.verify_token")
    challenge = request.query.get("hub.challenge")
    for name, value in (
        ("hub.mode", mode),
        ("hub.verify_token", token),
        ("hub.challenge", challenge),
    ):
        if not value:
            raise PayloadInvalid(f"missing query parameter {name}", field=name, status=400)
    if mode != "subscribe":
        raise PayloadInvalid(f"hub.mode must be 'subscribe', not {mode!r}", field="hub.mode")
    assert token is not None and challenge is not None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        raise SignatureInvalid(
            "hub.verify_token is not the configured verify token", field="hub.verify_token"
        )
    return challenge
