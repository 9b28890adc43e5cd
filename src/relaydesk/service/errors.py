"""Errors a use case reports; the API turns each into one HTTP status with a clear message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details  # more for the client to act on (templates to offer, ...)


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class InvalidInput(ServiceError):
    status = 422
    code = "invalid_input"


class OutsideWindow(ServiceError):
    """The channel will not carry a free-form reply now (WhatsApp's 24 hours, Messenger's
    7 days for a person); `details.templates` lists what may be sent instead."""

    status = 409
    code = "outside_window"
