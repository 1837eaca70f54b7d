"""The OpenAPI document: valid, complete, generated from the request models, rendered as a page, and true
to the running app (schemathesis against a live server)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version

import openapi_spec_validator
import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support.app import ADMIN, ADMIN_PASSWORD, CUSTOMER, checkout_body
from support.webhooks import sign_razorpay, sign_stripe

from galla.api.openapi import DOCUMENT_PATH, REF, REQUEST_MODELS, openapi_document
from galla.app import create_app
from galla.settings import SANDBOX_RAZORPAY_PATH, Settings
from galla.web.state import SETTINGS

API_PREFIXES = ("/api/", "/webhooks/")
PROBES = ("/healthz", "/readyz", "/metrics")
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class LiveServer:
    """The app on a real socket, run by its own event loop in a background thread."""

    url: str
    app: web.Application

    def routed(self, path: str) -> bool:
        """Whether the app (its sub-applications too) has a route for this exact path (templated paths as written)."""
        return any(r.resource is not None and r.resource.canonical == path for r in self.app.router.routes())


@pytest.fixture(scope="module")
def live_server() -> Iterator[LiveServer]:
    """Serve the app (with both sandboxes mounted, as a keyless run does) until the module's tests end."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings_ = Settings(
        _env_file=None,
        admin_password=ADMIN_PASSWORD,
        reconcile_interval=0,
        checkout_rate_limit="100000/minute",
        public_gateway_rate_limit="100000/minute",
    )
    app = create_app(settings_, self_url=url)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(app)

    async def start() -> None:
        await runner.setup()
        await web.SockSite(runner, sock).start()

    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield LiveServer(url=url, app=app)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture(scope="module")
def served_document(live_server: LiveServer) -> dict:
    """The document as the server serves it."""
    response = requests.get(live_server.url + DOCUMENT_PATH, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


@pytest.mark.slow
def test_the_document_is_valid_openapi_3_1(served_document):
    assert served_document["openapi"].startswith("3.1.")
    assert served_document["info"]["title"] and served_document["info"]["version"] == version("galla")
    schemathesis.openapi.from_dict(served_document).validate()  # against the OpenAPI 3.1 meta-schema
    ids = [op["operationId"] for item in served_document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_the_document_passes_openapi_spec_validator(served_document):
    openapi_spec_validator.validate(served_document)  # the validator Postman-style importers rely on


def test_every_api_route_of_the_app_is_documented(live_server, served_document):
    documented = {(method, path) for path, item in served_document["paths"].items() for method in item}
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in live_server.app.router.routes()
        if route.method.lower() in METHODS
        and route.resource is not None
        and (route.resource.canonical.startswith(API_PREFIXES) or route.resource.canonical in PROBES)
    }
    assert served, "no API routes found: the walk over app.router is broken"
    assert served - documented == set(), "routes without documentation"


def test_documented_operations_are_served(live_server, served_document):
    assert {path for path in served_document["paths"] if not live_server.routed(path)} == set()


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=lambda m: m.__name__)
def test_request_bodies_are_the_validating_models_schemas(served_document, model):
    schemas = served_document["components"]["schemas"]
    expected = model.model_json_schema(ref_template=REF)
    for name, definition in expected.pop("$defs", {}).items():
        assert schemas[name] == definition
    assert schemas[model.__name__] == expected
    bodies = [
        op["requestBody"]["content"]["application/json"]["schema"]
        for item in served_document["paths"].values()
        for op in item.values()
        if "requestBody" in op
    ]
    assert {"$ref": REF.format(model=model.__name__)} in bodies


def test_every_operation_lists_its_errors_in_the_envelope(served_document):
    for path, item in served_document["paths"].items():
        for method, op in item.items():
            # /readyz answers 503 with its own body: it is a probe's answer, not an error.
            errors = {
                status: answer for status, answer in op["responses"].items() if status >= "400" and path != "/readyz"
            }
            for status, answer in errors.items():
                schema = answer["content"]["application/json"]["schema"]["$ref"]
                assert schema.endswith(("/ErrorBody", "/CheckoutFailure")), (method, path, status)
                assert answer["x-error-codes"], (method, path, status)
                if status in ("429", "503"):
                    assert "Retry-After" in answer["headers"], (method, path, status)


def test_the_document_is_built_once():
    assert openapi_document() is openapi_document()


def test_the_docs_page_names_every_operation(live_server, served_document):
    response = requests.get(live_server.url + "/api/docs", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert f'href="{DOCUMENT_PATH}"' in page and "/static/css/api-docs.css" in page
    # The Content-Security-Policy allows no inline scripts or styles.
    assert "<style" not in page and " style=" not in page and "<script>" not in page
    for path, item in served_document["paths"].items():
        for op in item.values():
            assert f'data-operation-id="{op["operationId"]}"' in page
            assert f'<code class="api-op__path">{path}</code>' in page
            assert escape(op["summary"]) in page
            for code in (code for answer in op["responses"].values() for code in answer.get("x-error-codes", [])):
                assert f"<code>{code}</code>" in page
    for field in (
        "items[].product_id",
        "customer.email",
        "shipping_address.postal_code",
        "razorpay_signature",
        "error.metadata",
    ):
        assert field in page


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
RUN = settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
FUZZED_EXAMPLES = 25
OPERATIONS = [
    pytest.param(path, method, "security" in op, id=op["operationId"])
    for path, item in openapi_document()["paths"].items()
    for method, op in item.items()
]
INDIA = checkout_body()
ABROAD = checkout_body(country="US", customer={**CUSTOMER, "phone": "+1 415 555 0123"})


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer):
    """The live document, loaded by schemathesis from the server."""
    return schemathesis.openapi.from_url(live_server.url + DOCUMENT_PATH)


def call(api_schema, path: str, method: str, **parts):
    """One request built by hand through schemathesis, checked as the fuzzed ones are."""
    case = api_schema[path][method].Case(**parts)
    return case.call_and_validate(checks=CHECKS, timeout=10).json()


def pay_on_the_sandbox(live_server: LiveServer, placed: dict, outcome: str) -> requests.Response:
    """Pay a placed order by UPI on the mounted Razorpay sandbox, as its checkout window does."""
    return requests.post(
        live_server.url + SANDBOX_RAZORPAY_PATH + "/checkout/pay",
        timeout=10,
        json={
            "key_id": live_server.app[SETTINGS].razorpay_key_id,
            "order_id": placed["razorpay"]["order_id"],
            "method": "upi",
            "outcome": outcome,
        },
    )


@pytest.fixture(scope="module")
def orders(live_server: LiveServer, api_schema) -> dict[str, str]:
    """Real orders in several states, so the fuzzed order operations reach their successful answers too."""
    failed = call(api_schema, "/api/checkout", "post", body=INDIA)
    declined = pay_on_the_sandbox(live_server, failed, "failure")
    call(
        api_schema,
        "/api/payments/razorpay/failed",
        "post",
        body={"order_id": failed["order_id"], "error": declined.json()["error"]},
    )
    paid = call(api_schema, "/api/checkout", "post", body=INDIA)
    payment = pay_on_the_sandbox(live_server, paid, "success")
    assert (
        call(
            api_schema, "/api/payments/razorpay/verify", "post", body={"order_id": paid["order_id"], **payment.json()}
        )["status"]
        == "paid"
    )
    call(
        api_schema,
        "/api/admin/orders/{order_id}/refund",
        "post",
        headers=ADMIN,
        path_parameters={"order_id": paid["order_id"]},
        body={"amount": 100},
    )
    abroad = call(api_schema, "/api/checkout", "post", body=ABROAD)
    assert abroad["gateway"] == "stripe"
    return {"failed_attempt": failed["order_id"], "paid": paid["order_id"], "stripe": abroad["order_id"]}


@pytest.mark.slow
@pytest.mark.parametrize("path,method,admin", OPERATIONS)
def test_the_live_api_keeps_its_document(request, api_schema, path, method, admin):
    operation = api_schema[path][method]
    headers = ADMIN if admin else None

    def run(strategy, max_examples: int) -> None:
        @settings(RUN, max_examples=max_examples)
        @given(case=strategy)
        def check(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)

        check()

    examples = operation.get_strategies_from_examples()
    if examples:
        run(st.one_of(examples), len(examples) * 5)
    fuzzed = [operation.as_strategy()]
    if "{order_id}" in path:
        orders = request.getfixturevalue("orders")
        fuzzed += [operation.as_strategy(path_parameters={"order_id": order_id}) for order_id in orders.values()]
    run(st.one_of(fuzzed), FUZZED_EXAMPLES)


def test_signed_webhooks_are_acknowledged_as_documented(live_server, api_schema):
    settings_ = live_server.app[SETTINGS]
    razorpay = json.dumps(
        {
            "entity": "event",
            "event": "payment.authorized",
            "contains": [],
            "payload": {},
            "created_at": int(time.time()),
        }
    ).encode()
    headers = {
        "X-Razorpay-Signature": sign_razorpay(razorpay, settings_.razorpay_webhook_secret.get_secret_value()),
        "X-Razorpay-Event-Id": "evt_openapi_1",
        "Content-Type": "application/json",
    }
    for duplicate in (False, True):
        receipt = call(api_schema, "/webhooks/razorpay", "post", headers=headers, body=razorpay)
        assert receipt["received"] is True and receipt["duplicate"] is duplicate
    stripe = json.dumps(
        {"id": "evt_openapi_1", "object": "event", "type": "ping", "created": int(time.time()), "data": {"object": {}}}
    ).encode()
    headers = {
        "Stripe-Signature": sign_stripe(stripe, settings_.stripe_webhook_secret.get_secret_value()),
        "Content-Type": "application/json",
    }
    assert call(api_schema, "/webhooks/stripe", "post", headers=headers, body=stripe)["received"] is True
