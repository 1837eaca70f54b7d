"""Stripe's objects in their wire format (API version 2026-10-28.endive), built from already-checked values."""

from __future__ import annotations

import copy
import random
from typing import Any

from ..common.ids import random_chars
from .cards import Card, Decline
from .ids import new_client_secret, new_id

API_VERSION = "2026-10-28.endive"
CHECKOUT_SESSION_ID = "{CHECKOUT_SESSION_ID}"

NULL_ADDRESS = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def build_customer(
    *,
    email: str | None,
    name: str | None,
    phone: str | None,
    description: str | None,
    metadata: dict[str, str],
    address: dict[str, Any] | None,
    created: int,
) -> dict[str, Any]:
    """Return a new Customer."""
    return {
        "id": new_id("cus_"),
        "object": "customer",
        "address": address,
        "balance": 0,
        "created": created,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": description,
        "discount": None,
        "email": email,
        "invoice_prefix": random_chars(8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata,
        "name": name,
        "next_invoice_sequence": 1,
        "phone": phone,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def build_product(product_data: dict[str, Any], created: int) -> dict[str, Any]:
    """Return the inline Product that price_data.product_data makes (Stripe keeps it inactive)."""
    return {
        "id": new_id("prod_"),
        "object": "product",
        "active": False,
        "created": created,
        "description": product_data.get("description"),
        "images": product_data.get("images", []),
        "livemode": False,
        "marketing_features": [],
        "metadata": product_data.get("metadata", {}),
        "name": product_data["name"],
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": product_data.get("tax_code"),
        "type": "service",
        "unit_label": product_data.get("unit_label"),
        "updated": created,
        "url": None,
    }


def build_price(
    *,
    currency: str,
    unit_amount: int | None,
    unit_amount_decimal: str,
    product_id: str,
    tax_behavior: str,
    created: int,
    recurring: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the inline Price of a line item: one-time, or recurring every interval_count intervals."""
    return {
        "id": new_id("price_"),
        "object": "price",
        "active": False,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": product_id,
        # stripe-python _price.py Recurring: interval, interval_count, meter, usage_type ("licensed" per seat).
        "recurring": None if recurring is None else {**recurring, "meter": None, "usage_type": "licensed"},
        "tax_behavior": tax_behavior,
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time" if recurring is None else "recurring",
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount_decimal,
    }


def build_line_item(
    *, price: dict[str, Any], description: str, quantity: int, amount: int, metadata: dict[str, str]
) -> dict[str, Any]:
    """Return a Checkout line item (object "item"); description is the product's name, as Stripe sets it."""
    return {
        "id": new_id("li_"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": price["currency"],
        "description": description,
        "metadata": metadata,
        "price": price,
        "quantity": quantity,
    }


def build_session(
    *, session_id: str, url: str, amount: int, currency: str, fields: dict[str, Any], expires_at: int, created: int
) -> dict[str, Any]:
    """Return a new open Checkout Session in payment mode; fields are the create params it echoes."""
    return {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": bool(fields.get("adaptive_pricing", {}).get("enabled"))},
        "after_expiration": None,
        "allow_promotion_codes": fields.get("allow_promotion_codes"),
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": fields.get("billing_address_collection"),
        "cancel_url": fields.get("cancel_url"),
        "client_reference_id": fields.get("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": fields.get("customer"),
        "customer_creation": fields.get("customer_creation", "if_required"),
        "customer_details": None,
        "customer_email": fields.get("customer_email"),
        "discounts": [],
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": fields.get("locale"),
        "metadata": fields.get("metadata", {}),
        "mode": fields.get("mode", "payment"),
        "payment_intent": None,
        "payment_link": None,
        # subscription mode's default is "always" (stripe-python checkout/_session.py payment_method_collection).
        "payment_method_collection": "always" if fields.get("mode") == "subscription" else "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": bool(fields.get("phone_number_collection", {}).get("enabled"))},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": fields.get("shipping_address_collection"),
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": fields.get("submit_type"),
        "subscription": None,
        "success_url": fields.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",
        "url": url,
    }


def build_customer_details(*, email: str, name: str, address: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return what Checkout collected from the buyer (the billing address, when it asked for one)."""
    return {
        "address": {**NULL_ADDRESS, **(address or {})},
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }


def build_payment_intent(
    *, amount: int, currency: str, customer: str | None, intent_data: dict[str, Any], created: int
) -> dict[str, Any]:
    """Return the PaymentIntent Checkout creates when the buyer first confirms; payment_intent_data fills it."""
    intent_id = new_id("pi_")
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": intent_data.get("capture_method", "automatic_async"),
        "client_secret": new_client_secret(intent_id),
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": customer,
        "description": intent_data.get("description"),
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": dict(intent_data.get("metadata", {})),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": intent_data.get("receipt_email"),
        "review": None,
        "setup_future_usage": intent_data.get("setup_future_usage"),
        "shipping": intent_data.get("shipping"),
        "source": None,
        "statement_descriptor": intent_data.get("statement_descriptor"),
        "statement_descriptor_suffix": intent_data.get("statement_descriptor_suffix"),
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }


def card_details(card: Card) -> dict[str, Any]:
    """Return payment_method_details for a card charge."""
    return {
        "type": "card",
        "card": {
            "amount_authorized": None,
            "brand": card.brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": card.cvc_check},
            "country": card.country,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "last4": card.last4,
            "network": card.brand,
            "network_token": {"used": False},
            "three_d_secure": None,
            "wallet": None,
        },
    }


def build_charge(
    *,
    intent: dict[str, Any],
    card: Card,
    payment_method: str,
    email: str,
    name: str,
    decline: Decline | None,
    created: int,
    address: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the Charge one confirmation makes: succeeded and captured, or failed with the decline's reason."""
    paid = decline is None
    if decline is None:
        outcome = {
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": random.randint(0, 64),
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    else:
        outcome = {
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": decline.network_status,
            "reason": decline.decline_code,
            "risk_level": decline.risk_level,
            "risk_score": random.randint(65, 99) if decline.risk_level == "highest" else random.randint(0, 64),
            "seller_message": decline.seller_message,
            "type": decline.outcome_type,
        }
    return {
        "id": new_id("ch_"),
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if paid else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn_") if paid else None,
        "billing_details": {
            "address": {**NULL_ADDRESS, **(address or {})},
            "email": email,
            "name": name,
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "SANDBOX",
        "captured": paid,
        "created": created,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None if decline is None else decline.code,
        "failure_message": None if decline is None else decline.message,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": None,
        "outcome": outcome,
        "paid": paid,
        "payment_intent": intent["id"],
        "payment_method": payment_method,
        "payment_method_details": card_details(card),
        "receipt_email": intent["receipt_email"],
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "review": None,
        "shipping": copy.deepcopy(intent["shipping"]),
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if paid else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }


def build_payment_error(*, decline: Decline, charge: dict[str, Any], intent: dict[str, Any]) -> dict[str, Any]:
    """Return the PaymentIntent's last_payment_error for a declined charge."""
    return {
        "charge": charge["id"],
        "code": decline.code,
        "decline_code": decline.decline_code,
        "doc_url": "https://stripe.com/docs/error-codes/" + decline.code.replace("_", "-"),
        "message": decline.message,
        "param": decline.param,
        "payment_method": {
            "id": charge["payment_method"],
            "object": "payment_method",
            "type": "card",
            "billing_details": copy.deepcopy(charge["billing_details"]),
            "card": {
                key: charge["payment_method_details"]["card"][key]
                for key in ("brand", "country", "exp_month", "exp_year", "funding", "last4")
            },
            "created": charge["created"],
            "customer": intent["customer"],
            "livemode": False,
            "metadata": {},
        },
        "type": "card_error",
    }


def build_refund(
    *,
    charge: dict[str, Any],
    amount: int,
    reason: str | None,
    metadata: dict[str, str],
    created: int,
    status: str = "succeeded",
) -> dict[str, Any]:
    """Return a card Refund; card refunds succeed at once in test mode unless the sandbox keeps them pending."""
    refund = {
        "id": new_id("re_"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn_"),
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "destination_details": {
            "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "metadata": metadata,
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }
    if status == "pending":
        refund["pending_reason"] = "processing"
    return refund


def build_dispute(*, charge: dict[str, Any], amount: int, reason: str, created: int, due_by: int) -> dict[str, Any]:
    """Return a new Dispute on a charge, waiting for the merchant's evidence."""
    return {
        "id": new_id("dp_"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "evidence_details": {"due_by": due_by, "has_evidence": False, "past_due": False, "submission_count": 0},
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "status": "needs_response",
    }


def build_event(
    *,
    event_type: str,
    obj: dict[str, Any],
    created: int,
    request_id: str | None,
    idempotency_key: str | None,
    event_id: str,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the Event envelope a webhook would carry, with a snapshot of the object (and, on *.updated,
    the previous values of what changed)."""
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous is not None:
        data["previous_attributes"] = copy.deepcopy(previous)
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": event_type,
    }


def list_object(data: list[dict[str, Any]], url: str, has_more: bool = False) -> dict[str, Any]:
    """Return Stripe's list wrapper."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def search_result(
    data: list[dict[str, Any]], url: str, has_more: bool = False, next_page: str | None = None
) -> dict[str, Any]:
    """Return Stripe's search-result wrapper."""
    return {"object": "search_result", "data": data, "has_more": has_more, "next_page": next_page, "url": url}


def success_redirect(success_url: str, session_id: str) -> str:
    """Return success_url with the literal {CHECKOUT_SESSION_ID} replaced, as Stripe does when it redirects."""
    return success_url.replace(CHECKOUT_SESSION_ID, session_id)
