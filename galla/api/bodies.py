"""The API's bodies, built as the response models the OpenAPI document shows (galla.api.responses): each function
here returns the model a handler declares, and the handler answers with its dump."""

from __future__ import annotations

from typing import Any

from galla.api import responses
from galla.orders.context import Shop
from galla.orders.quote import Quote
from galla.orders.reconcile import ReconcileReport
from galla.orders.refunds import refundable_amount
from galla.orders.view import STATUS_LABELS, payment_options
from galla.payments.money import format_money
from galla.store.orders import Order
from galla.store.plans import Plan
from galla.store.products import Product
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
