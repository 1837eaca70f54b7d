"""Subscribing a buyer to a plan: route them as checkout does, lock the plan's version and price into a stored
subscription, then open it at the routed gateway (a Razorpay subscription for checkout.js, or a Stripe Checkout
Session in subscription mode)."""

from __future__ import annotations

from typing import Any

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError, GatewayBusy, InvalidInput, gateway_failure
from galla.orders.failover import describe_outage
from galla.orders.idempotency import claim_or_replay, still_in_progress
from galla.orders.inputs import SubscribeRequest
from galla.orders.plans import load_plan
from galla.orders.subscription_ids import new_subscription_id
from galla.payments.errors import GatewayError, GatewayUnavailable
from galla.payments.routing import GatewayOff, NoRoute, Route, choose_route
from galla.store.customers import upsert_customer
from galla.store.idempotency import release_key
from galla.store.orders import now
from galla.store.plans import Plan
from galla.store.subscriptions import Subscription, get_subscription, insert_subscription

RETRY_AFTER_SECONDS = "30"


async def place_subscription(
    shop: Shop, request: SubscribeRequest, idempotency_key: str | None
) -> tuple[Subscription, bool]:
    """Store a new subscription and open it at its gateway; return it and whether it is new (not a replay)."""
    plan = await load_plan(shop, request.plan_id)
    route = route_subscription(shop, request, plan)
    sub_id = new_subscription_id()
    if idempotency_key and (earlier := await claim_or_replay(shop.db, idempotency_key, request, sub_id)):
        return await replay_subscription(shop, earlier), False
    try:
        customer = request.customer
        await upsert_customer(shop.db, email=str(customer.email), name=customer.name, phone=customer.phone)
        # Stored before any gateway call: a webhook or reconcile that comes first finds it, and a failed call
        # leaves it for the buyer's retry.
        sub = await insert_subscription(shop.db, new_subscription_doc(sub_id, request, plan, route))
    except BaseException:
        if idempotency_key:
            await release_key(shop.db, idempotency_key, sub_id)
        raise
    return await open_subscription(shop, sub), True


def route_subscription(shop: Shop, request: SubscribeRequest, plan: Plan) -> Route:
    """The gateway and currency a buyer subscribes through, by the checkout's rule; what stops it is named."""
    try:
        return choose_route(request.country, plan.prices, international_card=request.international_card, live=shop.live)
    except GatewayOff as exc:
        raise InvalidInput(str(exc), field=exc.field, code="gateway_off") from None
    except NoRoute:
        raise InvalidInput(
            f"{plan.name} has no price a buyer in {request.country} can pay", field="plan_id", code="not_for_sale"
        ) from None


def new_subscription_doc(sub_id: str, request: SubscribeRequest, plan: Plan, route: Route) -> dict[str, Any]:
    """The document of a new subscription, `created`, on the plan's current version at its price in the route's
    currency: a later edit of the plan never changes what this subscriber pays."""
    stamp = now()
    customer = request.customer
    return {
        "_id": sub_id,
        "status": "created",
        "plan_id": plan.id,
        "plan_version": plan.version,
        "plan_name": plan.name,
        "interval": plan.interval,
        "interval_count": plan.interval_count,
        "total_count": plan.total_count,
        "amount": plan.prices[route.currency],
        "currency": route.currency,
        "gateway": route.gateway,
        "route": route.reason,
        "country": request.country,
        "customer": {"email": str(customer.email).lower(), "name": customer.name, "phone": customer.phone},
        "cancel_at_period_end": False,
        "paid_count": 0,
        "created_at": stamp,
        "updated_at": stamp,
        "timeline": [{"at": stamp, "kind": "status", "to": "created", "reason": "subscribed"}],
    }


async def open_subscription(shop: Shop, sub: Subscription) -> Subscription:
    """Open the subscription at its gateway. Never at the other one: a mandate is registered with one gateway."""
    try:
        return await shop.subscription_provider(sub.gateway).open_subscription(shop, sub)
    except GatewayError as exc:
        failure: CheckoutError = refuse_outage(exc) if isinstance(exc, GatewayUnavailable) else gateway_failure(exc)
    except GatewayBusy as exc:
        failure = refuse_outage(exc.cause) if exc.cause is not None else exc
    except CheckoutError as exc:
        failure = exc
    failure.extra["subscription_id"] = sub.id  # kept: the buyer's retry (same Idempotency-Key) opens it
    raise failure


def refuse_outage(error: GatewayError) -> GatewayBusy:
    """503 for a gateway that is down: the subscription waits for it rather than failing over (docs/SUBSCRIPTIONS.md)."""
    busy = GatewayBusy(
        f"{describe_outage(error)}. Your subscription is saved but not started: its mandate is registered with "
        "one gateway, so it cannot move to another. Please try again in a minute",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )
    busy.cause = error
    return busy


async def replay_subscription(shop: Shop, sub_id: str) -> Subscription:
    """Answer a repeated Idempotency-Key with the subscription its first request made, opened if it was not."""
    sub = await get_subscription(shop.db, sub_id)
    if sub is None:
        raise still_in_progress()
    if sub.status == "created" and not (sub.razorpay_subscription_id or sub.stripe_session_id):
        sub = await open_subscription(shop, sub)
    return sub
