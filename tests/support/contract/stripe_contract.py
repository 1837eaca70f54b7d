"""Galla's Stripe requests against stripe-python's generated parameter types (the issue-24 contract check)."""

from __future__ import annotations

from support.contract.stripe_routes import params_type
from support.contract.typed_params import check_params
from support.contract.wire_recorder import Exchange


def wire_problems(exchanges: list[Exchange]) -> list[str]:
    """Every way the recorded Stripe calls break stripe.params, each naming its request."""
    problems = []
    for exchange in exchanges:
        params = params_type(exchange.method, exchange.path)
        if params is None:
            problems.append(f"{exchange}: no endpoint of stripe-python's v1 services")
            continue
        problems += [f"{exchange}: {p}" for p in check_params(exchange.form_params(), params, form_encoded=True)]
    return problems


def timeline_problems(order: dict) -> list[str]:
    """The same check, types strict, on the params our code gave the SDK (kept in the order's timeline)."""
    problems = []
    for entry in order.get("timeline", []):
        if entry.get("kind") != "gateway_call" or entry.get("gateway") != "stripe":
            continue
        params = params_type(entry["method"], entry["path"])
        label = f"{entry['method']} {entry['path']} (timeline)"
        if params is None:
            problems.append(f"{label}: no endpoint of stripe-python's v1 services")
            continue
        problems += [f"{label}: {p}" for p in check_params(entry.get("request") or {}, params)]
    return problems
