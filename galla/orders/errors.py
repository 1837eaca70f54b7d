"""Errors a flow raises for the caller to show: each names its HTTP status, code and field."""

from __future__ import annotations

from typing import Any

from galla.payments.errors import GatewayError, GatewayUnavailable
from galla.payments.labels import GATEWAY_NAMES


class CheckoutError(Exception):
    """A request the flow cannot honour, with what to tell the caller."""

    status = 400
    code = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        """Let a subclass name its HTTP status and error code in its class line."""
        super().__init_subclass__(**kwargs)
        cls.status = cls.status if status is None else status
        cls.code = cls.code if code is None else code

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


class InvalidInput(CheckoutError, status=422, code="invalid_input"):
    """Input that breaks a rule of its field or of the shop."""


class NotFound(CheckoutError, status=404, code="not_found"):
    """No order, product or page by that id."""


class Conflict(CheckoutError, status=409, code="conflict"):
    """A change the order or product cannot take in the state it is in."""


class SignatureInvalid(CheckoutError, status=400, code="signature_invalid"):
    """A payment report or webhook whose signature, or the order it names, does not match."""


class SignatureRefused(SignatureInvalid):
    """A webhook delivery whose signature does not match: refused, and kept with its reason (store/rejections.py)."""

    def __init__(self, message: str, *, field: str, reason: str, event_id: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason
        self.event_id = event_id


class MalformedWebhook(CheckoutError, status=400, code="malformed_webhook"):
    """A correctly signed delivery we cannot read: no event id, or not an event at all."""


class GatewayFailed(CheckoutError, status=502, code="gateway_error"):
    """The gateway could not be reached or refused us; the order is kept and can be retried."""

    cause: GatewayError | None = None


class GatewayBusy(GatewayFailed, status=503, code="gateway_unavailable"):
    """The gateway is down or its circuit open; the order is kept for a retry in a minute."""


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
