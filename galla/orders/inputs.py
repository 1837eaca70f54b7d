"""What a buyer's request carries into the flows, as pydantic models checked at the edge; errors name the field."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from galla.ops.redact import redact_card_numbers
from galla.orders.addresses import AddressInvalid, normalise_postal_code, normalise_state
from galla.orders.checkout_rules import COUNTRIES, COUNTRY, EMAIL, checkout_rules, foreign_number, phone_rule
from galla.orders.errors import InvalidInput
from galla.orders.field_rules import FieldInvalid, RuleBroken

# What a buyer types in free text, stored with any card number in it redacted (issue 24, item 19): use
# TypedText (or ShortText) for every free-text field a page, a receipt or the admin may show.
TypedText = Annotated[str, AfterValidator(redact_card_numbers)]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(redact_card_numbers)
]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class CartItem(_Body):
    product_id: Identifier
    quantity: Annotated[StrictInt, Field(ge=1, le=100)]


# Checked by the checkout form's rule, the one the page checks too (galla/orders/checkout_rules.py).
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(EMAIL.check),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": EMAIL.max_length}),
]
# Checked against the checkout's country by CheckoutRequest, which knows it.
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=25)]


class Customer(_Body):
    name: ShortText
    email: Email
    phone: Phone


# The address is free text the order page, the receipt and the admin show: card numbers typed into it are
# redacted like the buyer's name (issue 24, item 19).
OptionalText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(redact_card_numbers)
]
AddressLine = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(redact_card_numbers)
]


class ShippingAddress(_Body):
    """Where a physical order is delivered, in the format of its country (the checkout's)."""

    name: OptionalText | None = Field(None, description="Who receives it; the buyer's name when absent.")
    phone: Phone | None = Field(None, description="A number for the courier; the buyer's phone when absent.")
    line1: AddressLine = Field(description="House or flat number, building, street.")
    line2: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(redact_card_numbers)]
        | None
    ) = Field(None, description="Area, locality, landmark.")
    city: ShortText = Field(description="City, town or district.")
    state: OptionalText | None = Field(
        None,
        description="State or region, where the country uses one; in India one of its states or union "
        "territories (name or ISO 3166-2 code), required.",
    )
    # Redacted too: where a country keeps no pattern, 16 digits would pass; "[REDACTED]" then fails the check.
    postal_code: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(redact_card_numbers)]
        | None
    ) = Field(None, description="In India a 6-digit PIN code; elsewhere the country's postal code, where it uses one.")
    country: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2)] | None
    ) = Field(None, description="ISO 3166-1 alpha-2; must be the checkout's `country` (taken from it when absent).")


def phone_in_e164(phone: str, country: str, field: str) -> str:
    """A phone number in E.164, checked by its country's rule; one without a country code is read as the country's."""
    rule = phone_rule(country)
    try:
        tidied = rule.check(phone) or ""
        if re.fullmatch(foreign_number(phonenumbers.country_code_for_region(country)), tidied):
            return tidied  # another country's number, already in E.164
        number = phonenumbers.parse(tidied, country)
    except RuleBroken as exc:
        raise FieldInvalid(field, str(exc)) from None
    except phonenumbers.NumberParseException:
        raise FieldInvalid(field, rule.invalid) from None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class BuyerRequest(_Body):
    """What routes a buyer (checkout or subscription): their country, and whether they pay by international card.

    Its fields, and a subclass's customer fields, are checked by the checkout form's rules (parse_body)."""

    country: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2)]
    # Buyers in India may choose Stripe ("pay with an international card") over Razorpay.
    international_card: StrictBool = False

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if not value.isalpha() or value not in COUNTRIES:
            raise ValueError(COUNTRY.invalid)
        return value


class CartRequest(BuyerRequest):
    """POST /api/checkout/quote: what a cart costs a buyer in a country, and through which gateway."""

    items: Annotated[list[CartItem], Field(min_length=1, max_length=50)]

    def quantities(self) -> dict[str, int]:
        """Quantities by product, lines for the same product added together."""
        merged: dict[str, int] = {}
        for i, item in enumerate(self.items):
            merged[item.product_id] = merged.get(item.product_id, 0) + item.quantity
            if merged[item.product_id] > 100:
                raise InvalidInput("quantity of one product must be at most 100", field=f"items[{i}].quantity")
        return merged


class CheckoutRequest(CartRequest):
    """POST /api/checkout."""

    customer: Customer
    # Required: the shop sells physical goods, and an order it cannot deliver is not an order (issue 24, item 11).
    shipping_address: ShippingAddress

    @model_validator(mode="after")
    def _phone_in_e164(self) -> CheckoutRequest:
        self.customer.phone = phone_in_e164(self.customer.phone, self.country, "customer.phone")
        return self

    @model_validator(mode="after")
    def _address_in_its_country_format(self) -> CheckoutRequest:
        address = self.shipping_address
        if address.country not in (None, self.country):
            raise FieldInvalid(
                "shipping_address.country", f"The delivery address must be in the checkout's country, {self.country}"
            )
        address.country = self.country
        for part in ("name", "line1", "line2", "city", "state", "postal_code"):
            # Each part is one line of a label: a newline or tab typed (or pasted) into it is a mistake.
            if any(ord(c) < 32 or ord(c) == 127 for c in getattr(address, part) or ""):
                raise FieldInvalid(f"shipping_address.{part}", "Write this on one line, without tabs or line breaks")
        address.name = address.name or self.customer.name
        address.phone = (
            phone_in_e164(address.phone, self.country, "shipping_address.phone")
            if address.phone
            else self.customer.phone
        )
        address.line2 = address.line2 or None
        try:
            address.state = normalise_state(self.country, address.state)
            address.postal_code = normalise_postal_code(self.country, address.postal_code)
        except AddressInvalid as exc:
            raise FieldInvalid(f"shipping_address.{exc.part}", exc.message) from None
        return self


def razorpay_id(prefix: str, noun: str) -> Any:
    """A Razorpay id sent by a browser: the prefix and 14 letters or digits, checked before it goes into a URL.

    The format as Razorpay's documentation and SDK tests show it: pay_MT48CvBhIC98MQ and order_MT47xgV5ApouIB
    (razorpay.com/docs/api/payments/fetch-with-id), pay_IDRP0tbirMSsbn, order_J2bVDDGFwgGJbW and
    rfnd_FP8QHiV938haTz (razorpay/razorpay-java src/test/java/com/razorpay/PaymentClientTest.java).
    """
    pattern = re.compile(rf"{prefix}_[A-Za-z0-9]{{14}}")

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"is not a Razorpay {noun} id ({prefix}_ and 14 letters or digits)")
        return value

    return Annotated[
        str,
        StringConstraints(strip_whitespace=True),
        AfterValidator(check),
        WithJsonSchema({"type": "string", "pattern": f"^{pattern.pattern}$"}),
    ]


if TYPE_CHECKING:  # to mypy a call's result is no type: these are the strings they validate
    RazorpayPaymentId = str
    RazorpayOrderId = str
    RazorpaySubscriptionId = str
else:
    RazorpayPaymentId = razorpay_id("pay", "payment")
    RazorpayOrderId = razorpay_id("order", "order")
    # sub_ and 14 characters, as SUBSCRIPTIONS.md §1 shows them (sub_00000000000001 in razorpay.com/docs/api/payments/
    # subscriptions/create-subscription).
    RazorpaySubscriptionId = razorpay_id("sub", "subscription")


class RazorpayVerifyRequest(_Body):
    """POST /api/payments/razorpay/verify: what checkout.js's handler received."""

    order_id: Identifier
    razorpay_order_id: RazorpayOrderId
    razorpay_payment_id: RazorpayPaymentId
    razorpay_signature: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class RazorpayFailureMetadata(BaseModel):
    """The payment and Razorpay order a failure names; both go into URLs, so both are checked."""

    model_config = ConfigDict(extra="allow")

    payment_id: RazorpayPaymentId | None = None
    order_id: RazorpayOrderId | None = None


class RazorpayFailure(BaseModel):
    """checkout.js's payment.failed error; Razorpay may add fields, so extra ones are kept."""

    model_config = ConfigDict(extra="allow")

    # Shown on the order page and in the admin, and the browser may write anything into them.
    code: TypedText | None = Field(None, max_length=100)
    description: TypedText | None = Field(None, max_length=500)
    source: TypedText | None = Field(None, max_length=100)
    step: TypedText | None = Field(None, max_length=100)
    reason: TypedText | None = Field(None, max_length=100)
    field: TypedText | None = Field(None, max_length=100)
    metadata: RazorpayFailureMetadata = RazorpayFailureMetadata()


class RazorpayFailedRequest(_Body):
    """POST /api/payments/razorpay/failed."""

    order_id: Identifier
    error: RazorpayFailure


def field_path(loc: tuple[str | int, ...]) -> str:
    """Turn pydantic's location ('items', 0, 'quantity') into 'items[0].quantity'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def parse_body(model: type[BaseModel], data: Any) -> Any:
    """Validate a decoded JSON body; raise InvalidInput naming the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        broken = first.get("ctx", {}).get("error")
        # Model-level checks name their own field.
        if isinstance(broken, FieldInvalid):
            raise InvalidInput(broken.message, field=broken.field) from None
        loc = tuple(p for p in first["loc"] if p not in ("function-after",))
        at = field_path(loc) or None
        # A field of the checkout form: the message its rule gives, the one the page shows too.
        rule = checkout_rules(country_of(data)).get(at or "") if issubclass(model, BuyerRequest) else None
        if rule is not None:
            message = str(broken) if isinstance(broken, RuleBroken) else rule.message_for(first["type"])
            raise InvalidInput(message, field=at) from None
        message = first["msg"]
        message = message.removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        if first["type"] == "missing":
            message = "is required"
        elif first["type"] == "extra_forbidden":
            message = "is not a field this endpoint accepts"
        raise InvalidInput(f"{at}: {message}" if at else f"body: {message}", field=at) from None


def country_of(data: Any) -> str:
    """The country a checkout body names, India when it names none the shop knows (for its rules' messages)."""
    country = data.get("country") if isinstance(data, dict) else None
    country = country.strip().upper() if isinstance(country, str) else ""
    return country if country in COUNTRIES else "IN"


class SubscribeRequest(BuyerRequest):
    """POST /api/subscriptions: a buyer subscribing to a plan, routed like a checkout (no delivery address)."""

    plan_id: Identifier
    customer: Customer

    @model_validator(mode="after")
    def _phone_in_e164(self) -> SubscribeRequest:
        self.customer.phone = phone_in_e164(self.customer.phone, self.country, "customer.phone")
        return self


class RazorpaySubscriptionVerifyRequest(_Body):
    """POST /api/subscriptions/razorpay/verify: what checkout.js's handler received for a subscription's mandate."""

    subscription_id: Identifier
    razorpay_payment_id: RazorpayPaymentId
    razorpay_subscription_id: RazorpaySubscriptionId
    razorpay_signature: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


# Stripe's Checkout Session ids, as the order page's session_id parameter takes them (galla.api.routes.SESSION_ID).
StripeSessionId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^cs_(test|live)_[A-Za-z0-9]{1,250}$")
]


class StripeSubscriptionReturnRequest(_Body):
    """POST /api/subscriptions/{id}/stripe/return: the Checkout Session Stripe sent the buyer back from."""

    session_id: StripeSessionId


class CancelSubscriptionRequest(_Body):
    """POST /api/subscriptions/{id}/cancel: a buyer may cancel only at the end of the period already paid for."""

    at_period_end: Literal[True] = Field(
        True, description="Must be true: the subscription runs to the end of the period paid for, then stops."
    )


class RefundRequest(_Body):
    """POST /api/admin/orders/{id}/refund: how much to give back, in minor units; all that is left when absent."""

    amount: Annotated[StrictInt, Field(ge=1)] | None = None
