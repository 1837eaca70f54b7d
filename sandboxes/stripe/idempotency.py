"""Idempotency keys as Stripe keeps them: per API key, first response saved and replayed, pruned after 24 h."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import IDEMPOTENCY_ERROR, StripeError

KEY_LIFETIME = 24 * 60 * 60  # Stripe may prune a key once it is 24 hours old
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class SavedResponse:
    """The first response to a key, kept byte for byte."""

    status: int
    body: bytes
    content_type: str
    request_id: str


@dataclass
class Entry:
    """What a key was first used for, and (once it finished) what it answered."""

    endpoint: str
    fingerprint: str
    created: float
    response: SavedResponse | None = None


@dataclass
class IdempotencyStore:
    """Keys seen, by (API key, Idempotency-Key)."""

    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)

    def prune(self, now: float) -> None:
        """Forget keys 24 hours old or older; reusing one then makes a new request, as on Stripe."""
        for scope, entry in list(self.entries.items()):
            if now - entry.created >= KEY_LIFETIME:
                del self.entries[scope]

    def begin(self, api_key: str, key: str, endpoint: str, fingerprint: str, now: float) -> SavedResponse | None:
        """Claim a key for a request: the saved response to replay, or None to go ahead (and finish() after)."""
        if len(key) > MAX_KEY_LENGTH:
            raise StripeError(
                f"Invalid idempotency key: must be at most {MAX_KEY_LENGTH} characters long.", type=IDEMPOTENCY_ERROR
            )
        self.prune(now)
        entry = self.entries.get((api_key, key))
        if entry is None:
            self.entries[(api_key, key)] = Entry(endpoint=endpoint, fingerprint=fingerprint, created=now)
            return None
        if entry.endpoint != endpoint:
            raise StripeError(
                f"Keys for idempotent requests can only be used for the same endpoint they were first "
                f"used for ('{entry.endpoint}' vs '{endpoint}'). Try using a key other than '{key}' if "
                "you meant to execute a different request.",
                type=IDEMPOTENCY_ERROR,
            )
        if entry.fingerprint != fingerprint:
            raise StripeError(
                "Keys for idempotent requests can only be used with the same parameters they were first "
                f"used with. Try using a key other than '{key}' if you meant to execute a different "
                "request.",
                type=IDEMPOTENCY_ERROR,
            )
        if entry.response is None:
            raise StripeError(
                f"There is currently another in-progress request using this Idempotent Key (that "
                f"probably means you submitted twice, and the other request is still going through): "
                f"{key}. Please try again later.",
                status=409,
                type=IDEMPOTENCY_ERROR,
                code="idempotency_key_in_use",
            )
        return entry.response

    def finish(self, api_key: str, key: str, response: SavedResponse | None) -> None:
        """Save the response to replay, or (None) release the key: the request never ran, so it is not kept."""
        if response is None:
            self.entries.pop((api_key, key), None)
        elif (api_key, key) in self.entries:
            self.entries[(api_key, key)].response = response
