"""The GatewayError family: what went wrong at a payment gateway, kept whole."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from galla.payments.calls import CallRecord


class GatewayError(Exception):
    """A gateway refused or failed a call; keeps its code, field, description and HTTP status."""

    def __init__(
        self,
        description: str,
        *,
        gateway: str,
        code: str | None = None,
        field: str | None = None,
        http_status: int | None = None,
        reason: str | None = None,
        body: object = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.gateway = gateway
        self.code = code
        self.field = field
        self.http_status = http_status
        self.reason = reason
        self.body = body
        # The exchange that failed, when there was one; set by the client that made it.
        self.call: CallRecord | None = None

    def to_dict(self) -> dict[str, Any]:
        """Describe the error for an order's timeline."""
        return {
            "kind": type(self).__name__,
            "gateway": self.gateway,
            "code": self.code,
            "field": self.field,
            "http_status": self.http_status,
            "reason": self.reason,
            "description": self.description,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.gateway}, {self.http_status}, {self.code}, {self.description!r})"


class GatewayInvalid(GatewayError):
    """The gateway rejected what we sent (4xx validation, bad credentials): retrying won't help."""


class GatewayDeclined(GatewayError):
    """The payment itself was declined by the buyer's bank or the gateway."""


class GatewayUnavailable(GatewayError):
    """Timeout, connection failure, 429 or 5xx: the gateway may answer if asked again later."""


class GatewayInProgress(GatewayUnavailable):
    """The gateway answered that another operation on the same object is in progress: ask again later. It is up,
    so this never counts towards opening its circuit."""
