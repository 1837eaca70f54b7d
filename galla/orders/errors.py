"""Errors a flow raises for the caller to show: each names its HTTP status, code and field."""

from __future__ import annotations

from typing import Any

from galla.payments.errors import GatewayError, GatewayUnavailable
from galla.payments.labels import GATEWAY_NAMES


class CheckoutError(Exception):
    """A request the flow cannot honour, with what to tell the caller."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers = headers or {}
        # Top-level fields beside "error" (the order_id of an order kept for a retry).
        self.extra: dict[str, str] = {}
        if code:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        """The error body of the API: {"error": {"code", "message", "field"?}, ...extra}."""
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error, **self.extra}


class InvalidInput(CheckoutError):
    status = 422
    code = "invalid_input"


class NotFound(CheckoutError):
    status = 404
    code = "not_found"


class Conflict(CheckoutError):
    status = 409
    code = "conflict"


class SignatureInvalid(CheckoutError):
    status = 400
    code = "signature_invalid"


class SignatureRefused(SignatureInvalid):
    """A webhook delivery whose signature does not match: refused, and kept with its reason (store/rejections.py)."""

    def __init__(self, message: str, *, field: str, reason: str, event_id: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason
        self.event_id = event_id


class MalformedWebhook(CheckoutError):
    """A correctly signed delivery we cannot read: no event id, or not an event at all."""

    status = 400
    code = "malformed_webhook"


class GatewayFailed(CheckoutError):
    """The gateway could not be reached or refused us; the order is kept and can be retried."""

    status = 502
    code = "gateway_error"
    cause: GatewayError | None = None


class GatewayBusy(GatewayFailed):
    status = 503
    code = "gateway_unavailable"


def gateway_failure(exc: GatewayError) -> GatewayFailed:
    """The error to show a buyer when a gateway could not take the order; the order is kept."""
    name = GATEWAY_NAMES.get(exc.gateway, exc.gateway)
    if isinstance(exc, GatewayUnavailable):
        failure: GatewayFailed = GatewayBusy(
            f"{name} is not answering right now; your order is saved, please try again in a minute",
            headers={"Retry-After": "30"},
        )
    else:
        failure = GatewayFailed(f"{name} refused the order: {exc.description}")
    failure.cause = exc
    return failure
