"""The API's bodies, built as the response models the OpenAPI document shows (galla.api.responses): each function
here returns the model a handler declares, and the handler answers with its dump."""

from __future__ import annotations

from typing import Any

from galla.api import responses
from galla.orders.context import Shop
from galla.orders.mandates import mandate_facts
from galla.orders.quote import Quote
from galla.orders.reconcile import ReconcileReport
from galla.orders.refunds import refundable_amount
from galla.orders.subscription_view import (
    STATUS_LABELS as SUBSCRIPTION_LABELS,
)
from galla.orders.subscription_view import (
    can_cancel,
    charge_receipt_path,
    format_shop_date,
    next_charge_at,
)
from galla.orders.view import STATUS_LABELS, payment_options
from galla.payments.money import format_money
from galla.store.orders import Order
from galla.store.plans import Plan
from galla.store.products import Product
from galla.store.subscription_charges import Charge
from galla.store.subscriptions import Subscription
from galla.webhooks.receive import WebhookReceipt


def describe_product(product: Product) -> responses.Product:
    """One product on sale, as the API and the shop's pages show it."""
    return responses.Product.model_validate(product, from_attributes=True)


def describe_catalog(products: list[Product]) -> responses.ProductList:
    """The body of GET /api/products."""
    return responses.ProductList(products=[describe_product(product) for product in products])


def describe_plan(plan: Plan) -> responses.Plan:
    """One plan on sale, as the API shows it."""
    return responses.Plan.model_validate(plan, from_attributes=True)


def describe_plans(plans: list[Plan]) -> responses.PlanList:
    """The body of GET /api/plans."""
    return responses.PlanList(plans=[describe_plan(plan) for plan in plans])


def describe_quote(quote: Quote) -> responses.Quote:
    """The body of POST /api/checkout/quote."""
    currency = quote.total.currency
    return responses.Quote(
        gateway=quote.route.gateway,
        route=quote.route.reason,
        currency=currency,
        amount=quote.total.amount,
        amount_display=quote.total.format(),
        lines=[
            responses.QuoteLine(
                **line,
                unit_amount_display=format_money(line["unit_amount"], currency),
                amount_display=format_money(line["amount"], currency),
            )
            for line in quote.lines
        ],
    )


def describe_checkout(shop: Shop, order: Order) -> responses.CheckoutCreated:
    """The body of a successful POST /api/checkout (and of paying again): the order and what pays for it, the
    checkout.js options or the Stripe session the gateway's side builds."""
    return responses.CheckoutCreated.model_validate(
        {
            "order_id": order.id,
            "status": order.status,
            "amount": order.amount,
            "currency": order.currency,
            "gateway": order.gateway,
            "route": order.route,
            "failover": {k: order.failover[k] for k in ("from_gateway", "reason")} if order.failover else None,
            **payment_options(shop, order),
        }
    )


def describe_payment_status(order: Order) -> responses.PaymentStatus:
    """The order's status after the browser's report of a payment."""
    return responses.PaymentStatus(order_id=order.id, status=order.status)


def order_fields(order: Order) -> dict[str, Any]:
    """What the buyer's and the shop's views of an order share."""
    return {
        "order_id": order.id,
        "status": order.status,
        "status_label": STATUS_LABELS.get(order.status, order.status),
        "amount": order.amount,
        "currency": order.currency,
        "gateway": order.gateway,
        "created_at": order.created_at,
        "customer": {"name": order.customer.get("name", ""), "email": order.customer.get("email", "")},
        "shipping_address": order.shipping_address,
        "items": [item.model_dump() for item in order.items],
        "refunded_amount": order.refunded_amount,
        "attempts": [
            {"at": a.get("at"), "code": a.get("code"), "description": a.get("description"), "method": a.get("method")}
            for a in order.attempts
        ],
        "can_pay": order.status == "pending",
    }


def describe_order(order: Order) -> responses.OrderView:
    """The order as GET /api/orders/{id} and the order page show it."""
    payment = order.payment or None
    summary = {k: payment.get(k) for k in ("id", "method", "status")} if payment else None
    return responses.OrderView.model_validate({**order_fields(order), "payment": summary})


def describe_refund(entry: dict) -> responses.Refund:
    """One refund entry of an order."""
    return responses.Refund.model_validate(entry)


def admin_fields(order: Order) -> dict[str, Any]:
    """The shop's view of an order: the buyer's, plus the payment, refunds, dispute and review reason."""
    return {
        **order_fields(order),
        "payment": order.payment,
        "amount_paid": order.amount_paid,
        "refunded_amount": order.refunded_amount,
        "refundable": refundable_amount(order),
        "review_reason": order.review_reason,
        "dispute": order.dispute,
        "refunds": [describe_refund(r) for r in order.refunds],
    }


def describe_admin_order(order: Order) -> responses.AdminOrder:
    """The body of GET /api/admin/orders/{id} and of a capture."""
    return responses.AdminOrder.model_validate(admin_fields(order))


def describe_refund_accepted(order: Order, refund: dict) -> responses.RefundAccepted:
    """The body of an accepted refund: the order and the refund the gateway will settle."""
    return responses.RefundAccepted.model_validate({**admin_fields(order), "refund": describe_refund(refund)})


def describe_reconcile(report: ReconcileReport) -> responses.ReconcileReport:
    """What one reconciliation pass looked at and changed."""
    return responses.ReconcileReport.model_validate(report, from_attributes=True)


def describe_receipt(receipt: WebhookReceipt) -> responses.WebhookReceipt:
    """The answer to a stored webhook delivery."""
    return responses.WebhookReceipt(received=True, duplicate=receipt.duplicate, outcome=receipt.outcome)


def subscription_fields(sub: Subscription) -> dict[str, Any]:
    """What every answer about a subscription shows: its terms, locked when the buyer subscribed, and its mandate."""
    mandate = mandate_facts(sub)
    return {
        "subscription_id": sub.id,
        "status": sub.status,
        "amount": sub.amount,
        "amount_display": format_money(sub.amount, sub.currency),
        "currency": sub.currency,
        "plan": {
            "id": sub.plan_id,
            "version": sub.plan_version,
            "name": sub.plan_name,
            "interval": sub.interval,
            "interval_count": sub.interval_count,
            "total_count": sub.total_count,
        },
        "mandate": mandate.to_dict() if mandate else None,
    }


def describe_subscription_created(shop: Shop, sub: Subscription) -> responses.SubscriptionCreated:
    """The body of a successful POST /api/subscriptions: the subscription and what starts it, the checkout.js
    options or the Stripe Checkout Session its gateway's side builds."""
    options = shop.subscription_provider(sub.gateway).subscription_options(shop, sub)
    return responses.SubscriptionCreated.model_validate({**subscription_fields(sub), "gateway": sub.gateway, **options})


def describe_subscription_state(sub: Subscription) -> responses.SubscriptionState:
    """The subscription's status after the browser's report of its mandate."""
    return responses.SubscriptionState(subscription_id=sub.id, status=sub.status)


def describe_subscription_charge(charge: Charge) -> responses.SubscriptionCharge:
    """One charge, as the buyer's page and the API show it."""
    return responses.SubscriptionCharge(
        id=charge.id,
        status=charge.status,
        amount=charge.amount,
        amount_display=format_money(charge.amount, charge.currency),
        currency=charge.currency,
        attempts=charge.attempts,
        period_start=charge.period_start,
        period_end=charge.period_end,
        period_display=" – ".join(format_shop_date(at) for at in (charge.period_start, charge.period_end) if at),
        paid_at=charge.paid_at,
        refunded_amount=charge.refunded_amount,
        receipt_url=charge_receipt_path(charge),
    )


def describe_subscription(sub: Subscription, charges: list[Charge]) -> responses.SubscriptionView:
    """The subscription as GET /api/subscriptions/{id} and the buyer's page show it."""
    due = next_charge_at(sub)
    next_charge = (
        {
            "at": due,
            "at_display": format_shop_date(due),
            "amount": sub.amount,
            "amount_display": format_money(sub.amount, sub.currency),
        }
        if due
        else None
    )
    return responses.SubscriptionView.model_validate(
        {
            **subscription_fields(sub),
            "status_label": SUBSCRIPTION_LABELS.get(sub.status, sub.status),
            "gateway": sub.gateway,
            "customer": {"name": sub.customer.get("name", ""), "email": sub.customer.get("email", "")},
            "created_at": sub.created_at,
            "current_end": sub.current_end,
            "next_charge": next_charge,
            "cancel_at_period_end": sub.cancel_at_period_end,
            "can_cancel": can_cancel(sub),
            "portal": sub.gateway == "stripe" and bool(sub.stripe_customer_id),
            "charges": [describe_subscription_charge(c) for c in sorted(charges, key=charge_order, reverse=True)],
        }
    )


def charge_order(charge: Charge) -> Any:
    """Charges by their period, then when they were recorded (for newest first)."""
    return (charge.period_start or charge.created_at, charge.created_at)
