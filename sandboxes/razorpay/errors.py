"""Razorpay's error envelope and the exception that carries one to the response."""

from __future__ import annotations

from typing import Any

BAD_REQUEST = "BAD_REQUEST_ERROR"
SERVER_ERROR = "SERVER_ERROR"

INVALID_KEY = "The api key provided is invalid"
ID_NOT_FOUND = "The id provided does not exist"
URL_NOT_FOUND = "The requested URL was not found on the server"


class RazorpayError(Exception):
    """An error answered in Razorpay's envelope: HTTP status plus code, description, field, etc."""

    def __init__(
        self,
        description: str,
        *,
        status: int = 400,
        code: str = BAD_REQUEST,
        field: str | None = None,
        source: str = "NA",
        step: str = "NA",
        reason: str = "NA",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.code = code
        self.field = field
        self.source = source
        self.step = step
        self.reason = reason
        self.metadata = metadata or {}

    def to_envelope(self) -> dict[str, Any]:
        """Return the JSON body Razorpay sends for this error."""
        return {
            "error": {
                "code": self.code,
                "description": self.description,
                "field": self.field,
                "source": self.source,
                "step": self.step,
                "reason": self.reason,
                "metadata": self.metadata,
            }
        }


def invalid_field(field: str, description: str) -> RazorpayError:
    """A 400 validation error naming the offending field."""
    return RazorpayError(description, field=field)


def not_found() -> RazorpayError:
    """The 400 Razorpay gives for an id it does not know (field null, as the real API does)."""
    return RazorpayError(ID_NOT_FOUND)
