"""Galla's Razorpay requests, and the Razorpay sandbox's answers and webhook entities, against Razorpay's published
types: the razorpay npm package's TypeScript declarations, as JSON Schema in razorpay_schema.json (regenerate
with `make razorpay-schema`, scripts/razorpay_schema/).

Where the published type and what Razorpay documents disagree, ALLOWANCES relaxes the schema, each with the
documented reason; everything else the sandbox or Galla does differently is a problem.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jsonschema

from support.contract.wire_recorder import Exchange

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "contract" / "razorpay_schema.json"


@dataclass(frozen=True, slots=True)
class Allowance:
    """Where the published type is relaxed, and the documented reason why.

    kind "optional": declared required, may be absent; "nullable": may also be null; "also": may also match
    the JSON Schema `also` (a value Razorpay documents that the type does not list).
    """

    definition: str
    fields: tuple[str, ...]
    kind: str
    reason: str
    also: dict | None = None


PAYMENT_ENTITY = "https://razorpay.com/docs/api/payments/entity/"
PAYMENT_WEBHOOKS = "https://razorpay.com/docs/webhooks/payments/"
ORDER_ENTITY = "https://razorpay.com/docs/api/orders/entity/"
DISPUTE_ENTITY = "https://razorpay.com/docs/api/disputes/entity/"
NO_NOTES = {"type": "array", "maxItems": 0}

# razorpay-node's entity types are hand-written and reuse the create-request types (RazorpayPayment extends
# RazorpayPaymentCreateRequestBody, RazorpayCard extends the card create request, RazorpayOrder keeps the
# authorisation order's token): each entry is a field where Razorpay's own documentation of the entity, which
# is what the API answers, says otherwise. Requests get no allowance: Galla sends what the SDK's types accept.
ALLOWANCES: tuple[Allowance, ...] = (
    Allowance(
        "Order",
        ("description", "token"),
        "optional",
        f"the order entity ({ORDER_ENTITY}) has neither; token belongs to authorisation (recurring) orders",
    ),
    Allowance(
        "Payment",
        ("offers",),
        "optional",
        f"absent from the payment entity sample ({PAYMENT_ENTITY}): offers come with payments that used one",
    ),
    Allowance(
        "Payment",
        ("bank", "customer_id", "description", "fee", "tax"),
        "nullable",
        f"null where the method or the moment has none: bank null in the card payment sample "
        f"({PAYMENT_ENTITY}), description and fee null in the payment.captured sample ({PAYMENT_WEBHOOKS}); "
        "customer_id belongs to saved-card and recurring payments",
    ),
    Allowance(
        "Payment",
        ("refund_status",),
        "nullable",
        f"the type lists the string 'null'; the entity carries JSON null (\"refund_status\": null, {PAYMENT_ENTITY})",
    ),
    Allowance(
        "Payment", ("notes",), "also", f'empty notes are serialised as [] ("notes": [], {PAYMENT_ENTITY})', NO_NOTES
    ),
    Allowance(
        "Payment",
        ("notes",),
        "also",
        "the payment's notes are the checkout options' notes, {string: string | number} like every entity's: "
        "razorpay-node's own order and refund types declare IMap<string | number> "
        "(https://github.com/razorpay/razorpay-node/blob/master/lib/types/orders.d.ts); only the payment "
        "type, copied from the create-payment request, says string",
        {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
    ),
    Allowance(
        "Payment",
        ("upi",),
        "also",
        f"UPI payments carry upi {{payer_account_type, vpa, flow}}; 'flow is present only in the case of "
        f"Turbo UPI Payments' ({PAYMENT_WEBHOOKS}); the type does not declare upi",
        {"type": "object"},
    ),
    Allowance(
        "Payments.RazorpayCard",
        ("number", "expiry_month", "expiry_year", "cvv", "flows"),
        "optional",
        f"the card inside a payment entity has no PAN, expiry or CVV ({PAYMENT_ENTITY}, card: id, entity, "
        "name, last4, network, type, issuer, international, emi, sub_type, token_iin)",
    ),
    Allowance(
        "Payments.RazorpayCard",
        ("issuer",),
        "nullable",
        f'"issuer": null in the card of the payment entity sample ({PAYMENT_ENTITY})',
    ),
    Allowance(
        "Payments.RazorpayCard",
        ("sub_type",),
        "also",
        f'the type lists \'customer\'; the entity says "sub_type": "consumer" ({PAYMENT_ENTITY})',
        {"enum": ["consumer"]},
    ),
    Allowance(
        "Order",
        ("notes",),
        "also",
        "empty notes are serialised as [] (the fetch-order sample in razorpay-python's documents/order.md, "
        "https://github.com/razorpay/razorpay-python/blob/master/documents/order.md)",
        NO_NOTES,
    ),
    Allowance(
        "Refund",
        ("notes",),
        "also",
        "empty notes are serialised as [] (the refund.processed sample, https://razorpay.com/docs/webhooks/refunds/)",
        NO_NOTES,
    ),
    Allowance(
        "Disputes.RazorpayDisputeEvidence",
        (
            "summary",
            "shipping_proof",
            "billing_proof",
            "cancellation_proof",
            "customer_communication",
            "proof_of_service",
            "explanation_letter",
            "refund_confirmation",
            "access_activity_log",
            "refund_cancellation_policy",
            "term_and_conditions",
            "others",
        ),
        "nullable",
        f"evidence not yet submitted is null in the dispute entity sample ({DISPUTE_ENTITY})",
    ),
    Allowance(
        "Disputes.RazorpayDisputeEvidence",
        ("action",),
        "optional",
        f"action is a field of the contest request; the entity's evidence has none ({DISPUTE_ENTITY})",
    ),
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A Razorpay endpoint Galla calls: its request's and its answer's published types."""

    method: str
    pattern: str
    request: str | None  # a definition for the JSON body, or "query:<definition>" for query keys
    response: str  # a definition, or "items:<definition>" for a collection

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.pattern, path) is not None


_ID = r"[A-Za-z0-9_]+"
# The endpoints of Razorpay's API that Galla's client calls (galla/payments/razorpay/client.py), with razorpay-node's types:
# https://razorpay.com/docs/api/orders/ , /docs/api/payments/ , /docs/api/refunds/ .
ENDPOINTS = (
    Endpoint("POST", r"/v1/orders", "OrderCreateRequest", "Order"),
    Endpoint("GET", r"/v1/orders", "query:OrderQuery", "items:Order"),
    Endpoint("GET", rf"/v1/orders/{_ID}", None, "Order"),
    Endpoint("GET", rf"/v1/orders/{_ID}/payments", None, "items:Payment"),
    Endpoint("GET", rf"/v1/payments/{_ID}", None, "Payment"),
    Endpoint("POST", rf"/v1/payments/{_ID}/capture", "PaymentCaptureRequest", "Payment"),
    Endpoint("POST", rf"/v1/payments/{_ID}/refund", "PaymentRefundRequest", "Refund"),
    Endpoint("GET", rf"/v1/payments/{_ID}/refunds", None, "items:Refund"),
    Endpoint("GET", rf"/v1/refunds/{_ID}", None, "Refund"),
    Endpoint("GET", rf"/v1/disputes/{_ID}", None, "Dispute"),
)
# A webhook's payload.<name>.entity and its published type.
WEBHOOK_ENTITIES = {"payment": "Payment", "order": "Order", "refund": "Refund", "dispute": "Dispute"}


@functools.cache
def published_schema() -> dict:
    """The generated schema, as published, before any allowance."""
    return json.loads(SCHEMA_FILE.read_text())


def _target(schema: dict, name: str) -> dict:
    """The object schema a definition name resolves to (following a $ref alias such as Order)."""
    found = schema["definitions"][name]
    while "$ref" in found:
        found = schema["definitions"][found["$ref"].rsplit("/", 1)[-1]]
    return found


@functools.cache
def allowed_schema(allowances: tuple[Allowance, ...] = ALLOWANCES) -> dict:
    """The schema with the allowances applied."""
    schema = copy.deepcopy(published_schema())
    for allowance in allowances:
        target = _target(schema, allowance.definition)
        for field_name in allowance.fields:
            if allowance.kind == "optional":
                target["required"] = [f for f in target.get("required", []) if f != field_name]
                continue
            alternative = {"type": "null"} if allowance.kind == "nullable" else allowance.also
            if alternative is None:
                raise ValueError(f"allowance kind {allowance.kind!r} of {allowance.definition} needs a schema")
            declared = target["properties"].get(field_name)
            target["properties"][field_name] = alternative if declared is None else {"anyOf": [declared, alternative]}
    return schema


def problems_of(value: Any, definition: str, label: str, schema: dict | None = None) -> list[str]:
    """Every way value breaks the published definition, each naming label and the JSON path."""
    schema = schema or allowed_schema()
    validator = jsonschema.Draft7Validator(
        {"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]}
    )
    found = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        detail = jsonschema.exceptions.best_match(error.context) if error.context else error
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in detail.absolute_path)
        found.append(f"{label} ({definition}){where}: {detail.message}")
    return found


def exchange_problems(exchange: Exchange, schema: dict | None = None) -> list[str]:
    """The recorded request's body (or query keys) and, when it succeeded, its answer, against their types."""
    endpoint = next((e for e in ENDPOINTS if e.matches(exchange.method, exchange.path)), None)
    if endpoint is None:
        return [f"{exchange}: not an endpoint the contract knows; add it to ENDPOINTS with razorpay-node's types"]
    label, found = str(exchange), []
    if endpoint.request and endpoint.request.startswith("query:"):
        query = dict(parse_qsl(exchange.query, keep_blank_values=True))
        declared = _target(schema or allowed_schema(), endpoint.request[len("query:") :])["properties"]
        found += [
            f"{label} (query): {key!r} is not a parameter of {endpoint.request[6:]}"
            for key in query
            if key not in declared
        ]
    elif endpoint.request:
        found += problems_of(exchange.json_body(), endpoint.request, f"{label} request", schema)
    if 200 <= exchange.status < 300:
        answer = exchange.json_response()
        if endpoint.response.startswith("items:"):
            definition = endpoint.response[len("items:") :]
            for i, item in enumerate(answer.get("items", [])):
                found += problems_of(item, definition, f"{label} answer items[{i}]", schema)
        else:
            found += problems_of(answer, endpoint.response, f"{label} answer", schema)
    return found


def webhook_problems(envelope: dict, schema: dict | None = None) -> list[str]:
    """Each entity a webhook carries (payload.<name>.entity) against its published type."""
    found = []
    for name, wrapper in (envelope.get("payload") or {}).items():
        if name in WEBHOOK_ENTITIES and isinstance(wrapper, dict) and "entity" in wrapper:
            found += problems_of(
                wrapper["entity"],
                WEBHOOK_ENTITIES[name],
                f"webhook {envelope.get('event')} payload.{name}.entity",
                schema,
            )
    return found
