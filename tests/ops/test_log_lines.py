"""Issue 26 item 2: log lines a person reads on a terminal, JSON for programs, and no line for a static file or a
passing probe (an error on either is still logged)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from galla.api import probes
from galla.ops.logs import (
    ACCESS_LOGGER,
    QUIET_PATHS,
    REQUEST_ID_VAR,
    AccessLogger,
    chosen_log_format,
    configure_logging,
    is_quiet,
)


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr does in a developer's shell."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging():
    root, stripe = logging.getLogger(), logging.getLogger("stripe")
    handlers, level, stripe_level = root.handlers[:], root.level, stripe.level
    yield
    root.handlers[:], root.level = handlers, level
    stripe.setLevel(stripe_level)


@pytest.mark.parametrize(
    ("setting", "stream", "chosen"),
    [
        ("auto", Terminal(), "text"),
        ("auto", io.StringIO(), "json"),  # a file, a pipe, a log collector
        ("json", Terminal(), "json"),
        ("text", io.StringIO(), "text"),
    ],
)
def test_log_format_auto_is_text_on_a_terminal_json_elsewhere(setting, stream, chosen):
    assert chosen_log_format(setting, stream) == chosen


def test_a_terminal_gets_short_lines_with_a_short_request_id_and_secrets_redacted(monkeypatch, restore_logging):
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    configure_logging("auto", "INFO", ["hunter2-secret-value"])
    token = REQUEST_ID_VAR.set("5f0c2a9e11223344")
    try:
        logging.getLogger(ACCESS_LOGGER).info("%s %s %s %.1f ms", "GET", "/cart", 200, 3.14)
        logging.getLogger("galla.payments").warning("key hunter2-secret-value, card 4242 4242 4242 4242")
    finally:
        REQUEST_ID_VAR.reset(token)
    logging.getLogger("galla").info("seeded an empty catalog")

    access, warning, plain = err.getvalue().splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d INFO  GET /cart 200 3\.1 ms  req 5f0c2a9e", access), access
    assert warning.endswith("WARNING galla.payments: key [redacted], card [redacted]  req 5f0c2a9e"), warning
    assert re.fullmatch(r"\d\d:\d\d:\d\d INFO  galla: seeded an empty catalog", plain), plain


def test_an_exception_is_shown_under_its_line(monkeypatch, restore_logging):
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    configure_logging("text", "INFO", [])
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("galla.http").exception("unhandled error")
    first, *trace = err.getvalue().splitlines()
    assert first.endswith("ERROR galla.http: unhandled error") and trace[-1] == "ValueError: boom"


def test_a_request_path_cannot_forge_a_line_or_reach_the_terminal(monkeypatch, restore_logging):
    """aiohttp decodes %0a and %1b in a path: on a terminal a stranger's GET could add a fake line, clear the screen
    that shows the admin password (ESC[2J) or write to the clipboard (OSC 52). Each stays one inert line."""
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    configure_logging("text", "INFO", [])
    forged = "/nope\n00:00:00 INFO  POST /admin/products 303 1.0 ms\x1b[2J\x1b]52;c;aGk=\x07\x9b"
    AccessLogger(logging.getLogger(ACCESS_LOGGER), "").log(Request(forged), Response(404), 0.001)
    out = err.getvalue()
    assert out.count("\n") == 1 and not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out), repr(out)
    assert "/nope\\x0a00:00:00 INFO" in out and "\\x1b[2J" in out


def test_not_a_terminal_gets_json_lines(monkeypatch, restore_logging):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    configure_logging("auto", "INFO", [])
    logging.getLogger("galla").info("hello")
    assert json.loads(err.getvalue())["message"] == "hello"


@pytest.mark.parametrize(
    ("path", "status", "quiet"),
    [
        ("/static/css/shop.css", 200, True),
        ("/static/js/cart.js", 304, True),
        ("/sandbox/stripe/c/assets/pay.js", 200, True),  # a sandbox page's own script
        ("/favicon.ico", 200, True),
        ("/healthz", 200, True),
        ("/readyz", 200, True),
        ("/metrics", 200, True),
        ("/static/css/missing.css", 404, False),  # a broken link is worth a line
        ("/readyz", 503, False),  # MongoDB down: worth a line
        ("/healthz", 500, False),
        ("/cart", 200, False),
        ("/", 200, False),
        ("/api/checkout", 201, False),
        ("/orders/ord_1", 200, False),
        ("/admin/x.js", 303, False),  # not a page's file: an answer of the admin's guard is worth a line
        ("/api/orders.css", 200, False),
    ],
)
def test_static_files_and_probes_are_logged_only_when_they_fail(path, status, quiet):
    assert is_quiet("GET", path, status) is quiet


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_only_fetching_a_file_is_quiet(method):
    """A POST to a static path is not a page loading its files: it is logged."""
    assert not is_quiet(method, "/static/css/shop.css", 200)


def test_every_probe_is_quiet():
    """QUIET_PATHS names every route of galla/api/probes.py, so a probe added there is not left flooding the log."""
    assert {route.path for route in probes.routes} <= QUIET_PATHS


class Request:
    """What AccessLogger reads of a request."""

    method, remote, headers = "GET", "127.0.0.1", {}

    def __init__(self, path: str) -> None:
        self.path = path


class Response:
    """What AccessLogger reads of a response."""

    def __init__(self, status: int) -> None:
        self.status, self.headers = status, {"X-Request-Id": "abc"}


def test_the_access_logger_skips_quiet_answers(caplog):
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    logger = AccessLogger(logging.getLogger(ACCESS_LOGGER), "")
    for path, status in [("/static/css/shop.css", 200), ("/healthz", 200), ("/cart", 200), ("/static/x.css", 404)]:
        logger.log(Request(path), Response(status), 0.0031)
    assert [record.getMessage() for record in caplog.records] == [
        "GET /cart 200 3.1 ms",
        "GET /static/x.css 404 3.1 ms",
    ]


def test_the_stripe_sdks_request_lines_are_left_out_its_warnings_kept(monkeypatch, restore_logging):
    """stripe-python logs each request's URL at INFO (stripe/_util.py log_info), a buyer's email in the query."""
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    configure_logging("json", "INFO", [])
    stripe = logging.getLogger("stripe")
    stripe.info("message='Request to Stripe api' method=get url=/v1/customers?email=jane%40example.com")
    stripe.warning("the API version is old")
    assert [json.loads(line)["message"] for line in err.getvalue().splitlines()] == ["the API version is old"]


async def test_the_favicon_browsers_look_for_is_ours(client):
    resp = await client.get("/favicon.ico", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (301, "/static/favicon.svg")
