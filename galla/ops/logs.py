"""Structured logs: one JSON object per line with the request id, and no secret or card number in any of them."""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse
from pythonjsonlogger.orjson import OrjsonFormatter

from galla.ops.redact import Redactor
from galla.settings import Settings

# Set by the request-id middleware for the task serving a request; every record logged meanwhile carries it.
REQUEST_ID_VAR: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID_VAR.get()
        return True


class RedactingFilter(logging.Filter):
    """Replace configured secrets and card-number-like digit runs in the final message: a last line of defence."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.redactor = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True

    def redact(self, text: str) -> str:
        """The text with every secret and card number replaced."""
        return self.redactor.text(text)


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold, MongoDB's password included."""
    values = [
        secret.get_secret_value()
        for secret in (
            settings.razorpay_key_secret,
            settings.razorpay_webhook_secret,
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
            settings.admin_password,
            settings.smtp_password,
        )
        if secret is not None
    ]
    values += [*settings.razorpay_webhook_secrets, *settings.stripe_webhook_secrets]  # each of a rotation's list
    if settings.mongodb_uri:
        password = urlsplit(settings.mongodb_uri).password
        if password:
            values += [password, quote(password, safe="")]
    return values


def configure_logging(fmt: str, level: str, secrets: Iterable[str]) -> None:
    """Send every log record to stderr, as JSON lines or text, stamped with the request id and redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        # orjson: a third less per access line than the json module's formatter, one line for every request.
        handler.setFormatter(
            OrjsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Neither format shows where a call was made from, or which thread or process made it: skip finding out.
    # Walking the caller's frames was a third of each access log line's cost (the logging HOWTO's "Optimization").
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


class AccessLogger(AbstractAccessLogger):
    """One record per request, with its fields as structured data (never the query string or headers)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status,
            time * 1000,
            extra={
                "request_id": response.headers.get("X-Request-Id"),
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "duration_ms": round(time * 1000, 2),
                "remote": request.remote,
                "user_agent": request.headers.get("User-Agent", "")[:200],
            },
        )
