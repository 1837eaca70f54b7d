"""Stripe's error envelope and the exception that carries one to the response."""

from __future__ import annotations

from typing import Any

INVALID_REQUEST = "invalid_request_error"
CARD_ERROR = "card_error"
IDEMPOTENCY_ERROR = "idempotency_error"
API_ERROR = "api_error"

DOC_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An error answered in Stripe's envelope: the HTTP status plus type, code, message, param, etc."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = INVALID_REQUEST,
        code: str | None = None,
        param: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra  # decline_code, payment_intent, charge, …: the envelope's optional fields

    def to_envelope(self) -> dict[str, Any]:
        """Return the JSON body Stripe sends for this error; absent optional fields are left out, as Stripe does."""
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def missing_param(param: str) -> StripeError:
    """The 400 for a required parameter left out."""
    return StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def unknown_params(params: list[str]) -> StripeError:
    """The 400 for parameters the endpoint does not take; Stripe names the first in `param`."""
    if len(params) == 1:
        return StripeError(f"Received unknown parameter: {params[0]}", code="parameter_unknown", param=params[0])
    return StripeError(f"Received unknown parameters: {', '.join(params)}", code="parameter_unknown", param=params[0])


def unsupported_param(param: str) -> StripeError:
    """A 400 for a real Stripe parameter this sandbox does not model, so nobody mistakes it for working."""
    return StripeError(
        f"The Stripe sandbox does not support the parameter {param} (Stripe itself does). "
        "Remove it, or extend sandboxes/stripe.",
        param=param,
    )


def no_such(kind: str, object_id: str | None, param: str = "id") -> StripeError:
    """The 404 resource_missing Stripe gives for an id it does not know, e.g. "No such customer: 'cus_x'"."""
    status = 404 if param == "id" else 400  # a path id is a 404; an id inside the params is a 400
    return StripeError(f"No such {kind}: '{object_id}'", status=status, code="resource_missing", param=param)


def one_of(choices: list[str] | tuple[str, ...]) -> str:
    """Join choices the way Stripe's messages do: "a, b, or c"."""
    if len(choices) <= 2:
        return " or ".join(choices)
    return ", ".join(choices[:-1]) + ", or " + choices[-1]
