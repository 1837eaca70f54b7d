"""Each endpoint's parameters: which names it takes, how each is read, and the checks across them.

Parameters Stripe has but the sandbox does not model are refused by name (`unsupported`) rather than
ignored, so a shop cannot come to rely on something the sandbox only pretends to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import StripeError, missing_param, no_such
from .money import THREE_DECIMAL, check_whole_units, format_amount, format_minimum, minimum_charge
from .params import (
    EXPAND,
    Reader,
    anything,
    array_of,
    boolean,
    currency,
    decimal_text,
    email,
    hash_of,
    integer,
    join,
    metadata,
    text,
    unsupported,
    url,
)

MAX_LINE_ITEMS = 100
MAX_AMOUNT = 99_999_999  # Stripe's ceiling for one payment, in minor units (eight digits)
MIN_EXPIRY, MAX_EXPIRY, DEFAULT_EXPIRY = 30 * 60, 24 * 60 * 60, 24 * 60 * 60


def unsupported_all(*names: str) -> dict[str, Reader]:
    """Map each name to the reader that refuses it."""
    return {name: unsupported for name in names}


def enabled_only_false(value: Any, param: str) -> Any:
    """A {enabled: bool} setting the sandbox accepts only switched off (automatic tax)."""
    read = hash_of({"enabled": boolean, "liability": anything}, required=["enabled"])(value, param)
    if read["enabled"]:
        raise StripeError(
            f"The Stripe sandbox does not support {join(param, 'enabled')}=true.", param=join(param, "enabled")
        )
    return read


def only_hosted_page(value: Any, param: str) -> str:
    """ui_mode: the sandbox has a hosted page and nothing else."""
    mode = text(choices=("elements", "embedded_page", "form", "hosted_page"))(value, param)
    if mode != "hosted_page":
        raise StripeError(f"The Stripe sandbox supports only ui_mode=hosted_page, not {mode}.", param=param)
    return mode


def payment_mode(value: Any, param: str) -> str:
    """mode: payment and subscription are modelled; setup is not."""
    mode = text(choices=("payment", "setup", "subscription"))(value, param)
    if mode == "setup":
        raise StripeError("The Stripe sandbox supports only mode=payment or mode=subscription, not setup.", param=param)
    return mode


def automatic_capture(value: Any, param: str) -> str:
    """capture_method: manual capture is not modelled, so it is refused rather than captured anyway."""
    method = text(choices=("automatic", "automatic_async", "manual"))(value, param)
    if method == "manual":
        raise StripeError(
            "The Stripe sandbox supports only automatic capture (capture_method automatic or automatic_async).",
            param=param,
        )
    return method


def no_such_price(value: Any, param: str) -> str:
    """line_items[].price: the sandbox has no Prices API, so every price id is unknown to it."""
    raise no_such("price", text()(value, param), param=param)


def created_filter(value: Any, param: str) -> dict[str, int]:
    """created=<ts> or created[gt|gte|lt|lte]=<ts>, read as a dict of bounds."""
    if isinstance(value, dict):
        return hash_of({op: integer() for op in ("gt", "gte", "lt", "lte")})(value, param)
    return {"eq": integer()(value, param)}


PRODUCT_DATA = hash_of(
    {
        "name": text(),
        "description": text(40000),
        "images": array_of(url, 8),
        "metadata": metadata,
        "tax_code": text(),
        "unit_label": text(12),
        "tax_details": unsupported,
    },
    required=["name"],
)

# SUBSCRIPTIONS.md §11 (stripe-python params/checkout/_session_create_params.py,
# SessionCreateParamsLineItemPriceDataRecurring): interval day|week|month|year and interval_count, "Maximum of
# three years interval allowed (3 years, 36 months, or 156 weeks)".
MAX_INTERVALS = {"day": 1095, "week": 156, "month": 36, "year": 3}
RECURRING = hash_of(
    {"interval": text(choices=tuple(MAX_INTERVALS)), "interval_count": integer(1)}, required=["interval"]
)

PRICE_DATA = hash_of(
    {
        "currency": currency,
        "unit_amount": integer(0),
        "unit_amount_decimal": decimal_text(Decimal(0)),
        "product_data": PRODUCT_DATA,
        "tax_behavior": text(choices=("exclusive", "inclusive", "unspecified")),
        "recurring": RECURRING,
        **unsupported_all("product"),
    },
    required=["currency"],
)

LINE_ITEM = hash_of(
    {
        "price": no_such_price,
        "price_data": PRICE_DATA,
        "quantity": integer(1, 999_999),
        "metadata": metadata,
        **unsupported_all("adjustable_quantity", "dynamic_tax_rates", "tax_rates"),
    }
)

SHIPPING_ADDRESS = hash_of(
    {name: text() for name in ("city", "country", "line1", "line2", "postal_code", "state")}, required=["line1"]
)
# stripe-python params/checkout/_session_create_params.py, SessionCreateParamsPaymentIntentDataShipping.
SHIPPING = hash_of(
    {"address": SHIPPING_ADDRESS, "name": text(), "phone": text(), "carrier": text(), "tracking_number": text()},
    required=["address", "name"],
)

INTENT_DATA = hash_of(
    {
        "metadata": metadata,
        "description": text(1000),
        "capture_method": automatic_capture,
        "receipt_email": email,
        "statement_descriptor": text(22),
        "statement_descriptor_suffix": text(22),
        "setup_future_usage": text(choices=("off_session", "on_session")),
        "shipping": SHIPPING,
        "transfer_group": text(),
        **unsupported_all("application_fee_amount", "on_behalf_of", "transfer_data"),
    }
)

SESSION_CREATE = hash_of(
    {
        "mode": payment_mode,
        "line_items": array_of(LINE_ITEM, MAX_LINE_ITEMS),
        "success_url": url,
        "cancel_url": url,
        "client_reference_id": text(200),
        "customer": text(),
        "customer_email": email,
        "customer_creation": text(choices=("always", "if_required")),
        "metadata": metadata,
        "payment_intent_data": INTENT_DATA,
        "expires_at": integer(),
        "currency": currency,
        "expand": EXPAND,
        "allowed_payment_method_types": array_of(text()),
        "excluded_payment_method_types": array_of(text()),
        "locale": text(16),
        "billing_address_collection": text(choices=("auto", "required")),
        "submit_type": text(choices=("auto", "book", "donate", "pay", "subscribe")),
        "allow_promotion_codes": boolean,
        "ui_mode": only_hosted_page,
        "automatic_tax": enabled_only_false,
        "phone_number_collection": hash_of({"enabled": boolean}, required=["enabled"]),
        "adaptive_pricing": hash_of({"enabled": boolean}),
        # docs.stripe.com/payments/collect-addresses: Checkout asks for a shipping address in these countries.
        # §11: of subscription_data the sandbox models what is copied onto the Subscription.
        "subscription_data": hash_of(
            {
                "metadata": metadata,
                "description": text(500),
                **unsupported_all(
                    "application_fee_percent",
                    "billing_cycle_anchor",
                    "billing_mode",
                    "default_tax_rates",
                    "invoice_settings",
                    "on_behalf_of",
                    "pending_invoice_item_interval",
                    "proration_behavior",
                    "transfer_data",
                    "trial_end",
                    "trial_period_days",
                    "trial_settings",
                ),
            }
        ),
        "shipping_address_collection": hash_of(
            {"allowed_countries": array_of(text(2))}, required=["allowed_countries"]
        ),
        **unsupported_all(
            "after_expiration",
            "branding_settings",
            "consent_collection",
            "custom_fields",
            "custom_text",
            "customer_account",
            "customer_update",
            "discounts",
            "integration_identifier",
            "invoice_creation",
            "managed_payments",
            "name_collection",
            "optional_items",
            "origin_context",
            "payment_method_collection",
            "payment_method_configuration",
            "payment_method_data",
            "payment_method_options",
            "permissions",
            "redirect_on_completion",
            "return_url",
            "saved_payment_method_options",
            "setup_intent_data",
            "shipping_options",
            "tax_id_collection",
            "wallet_options",
        ),
    },
    required=["mode"],
)

PAGING = {"limit": integer(1, 100), "starting_after": text(), "ending_before": text(), "expand": EXPAND}
RETRIEVE = hash_of({"expand": EXPAND})
SESSION_LIST = hash_of(
    {
        **PAGING,
        "payment_intent": text(),
        "customer": text(),
        "status": text(choices=("complete", "expired", "open")),
        "created": created_filter,
        "customer_details": hash_of({"email": text(512)}, required=["email"]),
        **unsupported_all("customer_account", "payment_link", "subscription"),
    }
)
LINE_ITEM_LIST = hash_of(PAGING)

REFUND_CREATE = hash_of(
    {
        "payment_intent": text(),
        "charge": text(),
        "amount": integer(1),
        "metadata": metadata,
        "expand": EXPAND,
        "reason": text(choices=("duplicate", "fraudulent", "requested_by_customer")),
        "instructions_email": email,
        # Connect-only switches: nothing to reverse without connected accounts, so they change nothing here.
        "refund_application_fee": boolean,
        "reverse_transfer": boolean,
        **unsupported_all("currency", "customer", "origin"),
    }
)
REFUND_LIST = hash_of({**PAGING, "charge": text(), "payment_intent": text(), "created": created_filter})

ADDRESS = hash_of({name: text() for name in ("city", "country", "line1", "line2", "postal_code", "state")})
CUSTOMER_CREATE = hash_of(
    {
        "email": email,
        "name": text(256),
        "phone": text(20),
        "description": text(350),
        "metadata": metadata,
        "address": ADDRESS,
        "preferred_locales": array_of(text(16)),
        "expand": EXPAND,
        **unsupported_all(
            "balance",
            "business_name",
            "cash_balance",
            "individual_name",
            "invoice_prefix",
            "invoice_settings",
            "next_invoice_sequence",
            "payment_method",
            "shipping",
            "source",
            "tax",
            "tax_exempt",
            "tax_id_data",
        ),
        "test_clock": text(),  # SUBSCRIPTIONS.md §18: a customer created on a test clock lives in its time
    }
)
CUSTOMER_LIST = hash_of({**PAGING, "email": text(512), "created": created_filter, "test_clock": unsupported})
CUSTOMER_SEARCH = hash_of(
    {"query": text(10000), "limit": integer(1, 100), "page": text(), "expand": EXPAND}, required=["query"]
)
EVENT_LIST = hash_of(
    {**PAGING, "type": text(), "types": array_of(text(), 20), "created": created_filter, "delivery_success": boolean}
)


@dataclass(frozen=True)
class LineRequest:
    """One checked line item: what the product is, what it costs, and how many."""

    product_data: dict[str, Any]
    currency: str
    unit_amount: int | None
    unit_amount_decimal: Decimal
    quantity: int
    amount: int
    tax_behavior: str
    metadata: dict[str, str] = field(default_factory=dict)
    recurring: dict[str, Any] | None = None  # {interval, interval_count} of a recurring price


@dataclass(frozen=True)
class SessionRequest:
    """A checked Checkout Session create request; `fields` keeps the params the Session echoes back."""

    lines: list[LineRequest]
    currency: str
    amount: int
    expires_at: int
    fields: dict[str, Any]
    intent_data: dict[str, Any]
    expand: list[str]


def read_line(item: dict[str, Any], param: str) -> LineRequest:
    """Check one line item's price_data and quantity, and work out its amount."""
    if "price_data" not in item:
        raise StripeError(f"You must specify either `price` or `price_data` in {param}.", param=param)
    price = item["price_data"]
    price_param = join(param, "price_data")
    if "product_data" not in price:
        raise missing_param(join(price_param, "product_data"))
    if "unit_amount" in price and "unit_amount_decimal" in price:
        raise StripeError(
            "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
            param=join(price_param, "unit_amount_decimal"),
        )
    if "unit_amount" not in price and "unit_amount_decimal" not in price:
        raise missing_param(join(price_param, "unit_amount"))
    if "quantity" not in item:
        raise StripeError(
            f"Quantity is required. Add `quantity` to `{param}`",
            code="parameter_missing",
            param=join(param, "quantity"),
        )
    quantity = item["quantity"]
    unit_amount = price.get("unit_amount")
    unit_decimal = Decimal(unit_amount) if unit_amount is not None else price["unit_amount_decimal"]
    amount = int((unit_decimal * quantity).to_integral_value(rounding=ROUND_HALF_UP))
    if price["currency"] in THREE_DECIMAL and amount % 10:
        amount_param = join(price_param, "unit_amount" if unit_amount is not None else "unit_amount_decimal")
        raise StripeError(
            f"Amounts in {price['currency']} must end in 0: Stripe rounds three-decimal currencies "
            f"to ten minor units ({amount} is not a multiple of 10).",
            code="invalid_charge_amount",
            param=amount_param,
        )
    check_whole_units(
        amount,
        price["currency"],
        join(price_param, "unit_amount" if unit_amount is not None else "unit_amount_decimal"),
    )
    return LineRequest(
        product_data=price["product_data"],
        currency=price["currency"],
        unit_amount=unit_amount,
        unit_amount_decimal=unit_decimal,
        quantity=quantity,
        amount=amount,
        tax_behavior=price.get("tax_behavior", "unspecified"),
        metadata=item.get("metadata", {}),
        recurring=read_recurring(price.get("recurring"), join(price_param, "recurring")),
    )


def read_recurring(recurring: dict[str, Any] | None, param: str) -> dict[str, Any] | None:
    """Return a recurring price's interval and count (default 1), at most three years long."""
    if recurring is None:
        return None
    count = recurring.get("interval_count", 1)
    if count > MAX_INTERVALS[recurring["interval"]]:
        raise StripeError(
            "Maximum of three years interval allowed (3 years, 36 months, or 156 weeks).",
            param=join(param, "interval_count"),
        )
    return {"interval": recurring["interval"], "interval_count": count}


def check_mode_lines(fields: Mapping[str, Any], lines: list[LineRequest]) -> None:
    """Recurring prices only in subscription mode, where every line is recurring on one interval (the sandbox
    leaves out Stripe's one-time lines on a first invoice) and payment mode's own params do not apply (§11)."""
    if fields["mode"] == "payment":
        for index, line in enumerate(lines):
            if line.recurring is not None:
                raise StripeError(
                    "You specified `payment` mode but passed a recurring price. Either switch to `subscription` "
                    "mode or use only one-time prices.",
                    param=f"line_items[{index}][price_data][recurring]",
                )
        return
    for name in ("customer_creation", "payment_intent_data", "submit_type"):
        if name in fields:
            raise StripeError(f"`{name}` can only be used in `payment` mode.", param=name)
    for index, line in enumerate(lines):
        if line.recurring is None:
            raise StripeError(
                "The Stripe sandbox needs every line item in `subscription` mode to have a recurring price.",
                param=f"line_items[{index}][price_data][recurring]",
            )
        if line.recurring != lines[0].recurring:
            raise StripeError(
                "All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.",
                param=f"line_items[{index}][price_data][recurring]",
            )


def check_amount(amount: int, currency: str) -> None:
    """Refuse a total below the currency's minimum charge or above Stripe's ceiling."""
    if amount < minimum_charge(currency):
        raise StripeError(
            f"The Checkout Session's total amount due must add up to at least {format_minimum(currency)}",
            code="amount_too_small",
            param="line_items",
        )
    if amount > MAX_AMOUNT:
        raise StripeError(
            f"The Checkout Session's total amount due must be no more than "
            f"{format_amount(MAX_AMOUNT, currency)} {currency}",
            code="amount_too_large",
            param="line_items",
        )


def check_expires_at(expires_at: int | None, now: int) -> int:
    """Return expires_at (default now + 24 h), which must fall 30 minutes to 24 hours from now."""
    if expires_at is None:
        return now + DEFAULT_EXPIRY
    if expires_at < now + MIN_EXPIRY:
        raise StripeError(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", param="expires_at"
        )
    if expires_at > now + MAX_EXPIRY:
        raise StripeError(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", param="expires_at"
        )
    return expires_at


def check_card_allowed(fields: Mapping[str, Any]) -> None:
    """The sandbox takes cards only: a session that filters cards out could not be paid here."""
    allowed = fields.get("allowed_payment_method_types")
    if allowed and "card" not in allowed:
        raise StripeError(
            "The Stripe sandbox offers card payments only; allowed_payment_method_types must include card.",
            param="allowed_payment_method_types",
        )
    if "card" in fields.get("excluded_payment_method_types", []):
        raise StripeError(
            "The Stripe sandbox offers card payments only; card cannot be excluded.",
            param="excluded_payment_method_types",
        )


def validate_session_request(raw: dict[str, Any], now: int) -> SessionRequest:
    """Check a Checkout Session create request as Stripe does, in payment mode with the hosted page."""
    fields = SESSION_CREATE(raw, "")
    if not fields.get("line_items"):
        raise StripeError(
            f"`line_items` is required in `{fields['mode']}` mode.", code="parameter_missing", param="line_items"
        )
    if "success_url" not in fields:
        raise missing_param("success_url")
    if "customer" in fields and "customer_email" in fields:
        raise StripeError(
            "You may only specify one of these parameters: customer, customer_email.", param="customer_email"
        )
    check_card_allowed(fields)
    lines = [read_line(item, join("line_items", index)) for index, item in enumerate(fields["line_items"])]
    check_mode_lines(fields, lines)
    currency = fields.get("currency", lines[0].currency)
    for index, line in enumerate(lines):
        if line.currency != currency:
            raise StripeError(
                "All line items must use the same currency"
                + (" as the `currency` parameter." if "currency" in fields else "."),
                param=f"line_items[{index}][price_data][currency]",
            )
    amount = sum(line.amount for line in lines)
    check_amount(amount, currency)
    expires_at = check_expires_at(fields.get("expires_at"), now)
    return SessionRequest(
        lines=lines,
        currency=currency,
        amount=amount,
        expires_at=expires_at,
        fields=fields,
        intent_data=fields.get("payment_intent_data", {}),
        expand=fields.get("expand", []),
    )


@dataclass(frozen=True)
class RefundRequest:
    """A checked refund request: which payment, how much (None: what remains), why."""

    payment_intent: str | None
    charge: str | None
    amount: int | None
    reason: str | None
    metadata: dict[str, str]
    expand: list[str]


def validate_refund_request(raw: dict[str, Any]) -> RefundRequest:
    """Check a refund create request: a payment_intent or a charge is needed."""
    fields = REFUND_CREATE(raw, "")
    if "payment_intent" not in fields and "charge" not in fields:
        raise StripeError(
            "One of the following params should be provided for this request: payment_intent or charge.",
            param="payment_intent",
        )
    return RefundRequest(
        payment_intent=fields.get("payment_intent"),
        charge=fields.get("charge"),
        amount=fields.get("amount"),
        reason=fields.get("reason"),
        metadata=fields.get("metadata", {}),
        expand=fields.get("expand", []),
    )
