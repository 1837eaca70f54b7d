"""Logs: JSON lines with the request id for collectors, short lines for a person at a terminal, no secret or card
number in either, and no line for a served static file or a passing probe."""

from __future__ import annotations

import contextvars
import logging
import re
import sys
from collections.abc import Iterable
from typing import IO
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


def chosen_log_format(fmt: str, stream: IO[str]) -> str:
    """LOG_FORMAT as it applies to stream: auto is text on a terminal (a person reads it), else JSON (a program)."""
    if fmt != "auto":
        return fmt
    return "text" if stream.isatty() else "json"


class PeopleFormatter(logging.Formatter):
    """One short line a person reads: `23:14:02 INFO  GET /cart 200 3.1 ms  req 5f0c2a9e`."""

    def format(self, record: logging.LogRecord) -> str:
        clock = self.formatTime(record, "%H:%M:%S")
        # An access line says what was asked and answered; any other names who said it.
        said = record.getMessage() if record.name == ACCESS_LOGGER else f"{record.name}: {record.getMessage()}"
        request_id = getattr(record, "request_id", None)
        line = f"{clock} {record.levelname:<5} {escape_controls(said)}" + (
            f"  req {request_id[:8]}" if request_id else ""
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# C0 and C1 control characters: a request path may carry them decoded (%0a, %1b), and on a terminal they would forge
# lines or run escape sequences (clear the screen that shows the admin password, write to the clipboard).
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """The text with every control character written as \\xNN, so one record stays one inert line."""
    return CONTROLS.sub(lambda match: f"\\x{ord(match[0]):02x}", text)


def configure_logging(fmt: str, level: str, secrets: Iterable[str]) -> None:
    """Send every log record to stderr, as JSON lines or text (auto: text on a terminal), with the request id,
    redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if chosen_log_format(fmt, sys.stderr) == "json":
        # orjson: a third less per access line than the json module's formatter, one line for every request.
        handler.setFormatter(
            OrjsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(PeopleFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # stripe-python logs every API request and response at INFO (stripe/_util.py log_info): two lines per call that
    # the access log and the payment trace already keep, with the query string (a buyer's email in the customer
    # search). Its warnings still come through, and LOG_LEVEL=DEBUG shows them all.
    logging.getLogger("stripe").setLevel(logging.WARNING if root.level > logging.DEBUG else logging.NOTSET)
    # Neither format shows where a call was made from, or which thread or process made it: skip finding out.
    # Walking the caller's frames was a third of each access log line's cost (the logging HOWTO's "Optimization").
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


ACCESS_LOGGER = "aiohttp.access"  # the logger aiohttp gives the access logger
# The probes galla/api/probes.py answers (orchestrators and Prometheus call them every few seconds) and the icon
# browsers ask for on their own: a line for each success would bury what people did.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/favicon.ico"})
# Files a page loads with it: ours under /static/, product images, and the sandboxes' scripts and styles.
ASSET_PREFIXES = ("/static/", "/images/")
SANDBOX_PREFIX = "/sandbox/"
ASSET_SUFFIXES = (".css", ".js", ".svg", ".png", ".jpg", ".jpeg", ".webp", ".ico", ".woff2")


def is_quiet(method: str, path: str, status: int) -> bool:
    """Whether an answer goes unlogged: a probe or a page's file fetched (GET/HEAD) and answered well; an error, or
    anything else asked of such a path, is still logged."""
    if status >= 400 or method not in ("GET", "HEAD"):
        return False
    if path in QUIET_PATHS or path.startswith(ASSET_PREFIXES):
        return True
    return path.startswith(SANDBOX_PREFIX) and path.endswith(ASSET_SUFFIXES)


class AccessLogger(AbstractAccessLogger):
    """One record per request (but a quiet one: is_quiet), its fields as structured data (never the query string or
    headers)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if is_quiet(request.method, request.path, response.status):
            return
        self.logger.info(
            "%s %s %s %.1f ms",
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
