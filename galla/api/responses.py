"""The bodies the API answers with, as pydantic models: galla.api.bodies builds them (each builder named in a
comment), the handlers answer with their dump, and the OpenAPI document is generated from them; the schemathesis run
in tests/api/test_openapi.py checks real responses against them too."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, RootModel
from pydantic.json_schema import JsonDict

from galla.payments.routing import RouteName
from galla.store.orders import STATUSES
from galla.store.subscription_charges import CHARGE_STATUSES
from galla.store.subscriptions import STATUSES as SUBSCRIPTION_STATUSES

Gateway = Literal["razorpay", "stripe"]
if TYPE_CHECKING:  # to mypy a Literal of a tuple's values is no type: these are the statuses' strings
    OrderStatus = str
else:
    OrderStatus = Literal[STATUSES]
MinorUnits = Annotated[int, Field(description="An amount in the currency's minor units (paise, cents).")]
Currency = Annotated[str, Field(description="ISO 4217 currency code, such as INR.", examples=["INR"])]


class _Body(BaseModel):
    # A field a handler adds without documenting it fails the schema check instead of slipping through.
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    # What a gateway reports is kept as it came; the fields named are the ones always there.
    model_config = ConfigDict(extra="allow")


class Product(_Body):
    """One product on sale."""

    # Built by galla.api.bodies.describe_product.

    id: str
    name: str
    description: str
    image: str = Field(description="Path of the product's picture on this server.")
    prices: dict[str, int] = Field(
        description="Price per ISO currency code, in minor units.", examples=[{"INR": 49900, "USD": 699}]
    )


class ProductList(_Body):
    """The catalog."""

    products: list[Product]


class Plan(_Body):
    """One recurring plan on sale, at its current version."""

    # Built by galla.api.bodies.describe_plan.

    id: str
    version: int = Field(description="The plan's current version; an edit makes a new one, subscribers keep theirs.")
    name: str
    description: str
    interval: Literal["week", "month", "year"]
    interval_count: int = Field(ge=1, description="Charged every interval_count intervals (2 and month: bimonthly).")
    prices: dict[str, int] = Field(
        description="Price of each charge per ISO currency code, in minor units.", examples=[{"INR": 49900, "USD": 900}]
    )
    total_count: int | None = Field(description="How many charges the subscription makes; null: until cancelled.")


class PlanList(_Body):
    """The plans on sale."""

    plans: list[Plan]


class QuoteLine(_Body):
    """One priced line of a quote."""

    product_id: str
    name: str
    quantity: int
    unit_amount: MinorUnits
    amount: MinorUnits
    unit_amount_display: str
    amount_display: str


class Quote(_Body):
    """What a cart costs, through which gateway and route."""

    # Built by galla.api.bodies.describe_quote.

    gateway: Gateway
    route: RouteName
    currency: Currency
    amount: MinorUnits
    amount_display: str = Field(examples=["₹698.00"])
    lines: list[QuoteLine]


class Prefill(_Body):
    """The buyer's details checkout.js fills in."""

    name: str
    email: str
    contact: str


class OrderNotes(_Body):
    """Notes on the Razorpay order, which carry our order id back in its webhooks."""

    order_id: str


class RazorpayOptions(_Body):
    """The options to open checkout.js with."""

    # Built by galla.orders.view.razorpay_options.

    key: str = Field(description="The Razorpay key id checkout.js authenticates with.")
    order_id: str = Field(description="The Razorpay order (order_…) to pay.")
    amount: MinorUnits
    currency: Currency
    name: str
    description: str
    prefill: Prefill
    notes: OrderNotes


class StripeRedirect(_Body):
    """The Stripe Checkout Session to send the buyer to."""

    session_id: str
    url: str | None = Field(description="Stripe's hosted payment page for the session.")


class Failover(_Body):
    """Why the order went to another gateway than its route's own."""

    from_gateway: Literal["razorpay"]
    reason: str


class _CheckoutBase(_Body):
    order_id: str
    status: OrderStatus
    amount: MinorUnits
    currency: Currency
    route: RouteName
    failover: Failover | None = Field(description="Set when the routed gateway could not take the order.")


class RazorpayCheckout(_CheckoutBase):
    """An order paid through Razorpay: open checkout.js with `razorpay`."""

    gateway: Literal["razorpay"]
    razorpay: RazorpayOptions


class StripeCheckout(_CheckoutBase):
    """An order paid through Stripe: send the buyer to `stripe.url`."""

    gateway: Literal["stripe"]
    stripe: StripeRedirect


class CheckoutCreated(RootModel[Annotated[RazorpayCheckout | StripeCheckout, Field(discriminator="gateway")]]):
    """An order and what pays for it: checkout.js options (Razorpay) or a Checkout Session (Stripe)."""

    # Built by galla.api.bodies.describe_checkout.


class PaymentStatus(_Body):
    """The order's status after the browser's report."""

    order_id: str
    status: OrderStatus


class BuyerCustomer(_Body):
    """Who placed the order, as the order page shows it."""

    name: str
    email: str


class OrderLine(_Body):
    """One line of an order, priced when it was placed."""

    product_id: str
    name: str
    quantity: int
    unit_amount: MinorUnits
    amount: MinorUnits


class PaymentSummary(_Body):
    """The payment that paid an order, as the buyer sees it."""

    id: str | None
    method: str | None
    status: str | None


class Attempt(_Body):
    """A failed payment attempt, kept so the buyer may try again."""

    at: datetime | None
    code: str | None
    description: str | None
    method: str | None


class DeliveryAddress(_Body):
    """Where the order goes, as stored at checkout (absent parts are null)."""

    name: str | None
    phone: str | None
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2, the checkout's country.")


class _OrderBase(_Body):
    order_id: str
    status: OrderStatus
    status_label: str
    amount: MinorUnits
    currency: Currency
    gateway: Gateway
    created_at: datetime
    customer: BuyerCustomer
    shipping_address: DeliveryAddress | None = Field(
        None, description="Null for orders placed before checkout asked for one."
    )
    items: list[OrderLine]
    refunded_amount: MinorUnits
    attempts: list[Attempt]
    can_pay: bool = Field(description="Whether POST /api/orders/{order_id}/pay may be called.")


class OrderView(_OrderBase):
    """An order as its buyer sees it."""

    # Built by galla.api.bodies.describe_order.

    payment: PaymentSummary | None


class PaymentRecord(_Open):
    """What the order keeps of the gateway's payment: ids, status and amounts, never card data."""

    id: str | None = None
    gateway: Gateway | None = None
    status: str | None = None
    method: str | None = None
    amount: int | None = None
    currency: str | None = None


class Dispute(_Open):
    """A chargeback, in the words both gateways share."""

    id: str
    gateway: Gateway
    amount: MinorUnits
    currency: Currency
    reason: str | None
    status: str


class Refund(_Open):
    """One refund of an order: requested → pending → processed or failed."""

    # Built by galla.api.bodies.describe_refund.

    key: str = Field(description="Our refund key, derived from the Idempotency-Key when one was sent.")
    amount: MinorUnits
    currency: Currency
    status: Literal["requested", "pending", "processed", "failed"]
    gateway: Gateway
    refund_id: str | None = Field(description="The gateway's refund id, once it has answered.")
    requested_at: datetime | None
    settled_at: datetime | None = None
    error: str | None = None


class AdminOrder(_OrderBase):
    """An order as the shop sees it."""

    # Built by galla.api.bodies.describe_admin_order.

    payment: PaymentRecord | None
    amount_paid: MinorUnits | None
    refundable: MinorUnits = Field(description="What may still be refunded.")
    review_reason: str | None
    dispute: Dispute | None
    refunds: list[Refund]


class RefundAccepted(AdminOrder):
    """The order, and the refund the gateway will settle."""

    refund: Refund


if TYPE_CHECKING:  # as OrderStatus above: the statuses' strings
    SubscriptionStatus = str
    ChargeStatus = str
else:
    SubscriptionStatus = Literal[SUBSCRIPTION_STATUSES]
    ChargeStatus = Literal[CHARGE_STATUSES]


class SubscribedPlan(_Body):
    """The plan version a subscription is on: its terms as they were when the buyer subscribed."""

    id: str
    version: int = Field(description="The plan's version the subscription was made on; later edits make new ones.")
    name: str
    interval: Literal["week", "month", "year"]
    interval_count: int
    total_count: int | None = Field(description="How many charges the subscription makes; null: until cancelled.")


class Mandate(_Body):
    """The rules of the Indian mandate behind a subscription paid through Razorpay (SUBSCRIPTIONS.md §7)."""

    # Built by galla.orders.mandates.MandateFacts.to_dict.

    max_amount: MinorUnits = Field(description="The most one debit under the mandate takes: the plan's price.")
    max_amount_display: str
    methods: list[Literal["upi", "card", "emandate"]] = Field(description="The methods that can carry the mandate.")
    upi_autopay: bool = Field(description="Whether UPI Autopay can carry it: each debit at most ₹15,000.")
    afa_each_debit: bool = Field(description="Whether a card mandate needs the buyer's approval (AFA) on each debit.")
    pre_debit_notice_hours: int = Field(description="The notice before each debit, at least, in hours.")
    pre_debit_notice_by: str = Field(description="Who sends the pre-debit notice (the bank or UPI app, not the shop).")
    lines: list[str] = Field(description="The same rules in sentences, as the pages show them.")


class RazorpaySubscriptionOptions(_Open):
    """The options to open checkout.js with for a subscription's mandate (no order_id, no amount)."""

    key: str = Field(description="The Razorpay key id checkout.js authenticates with.")
    subscription_id: str = Field(description="The Razorpay subscription (sub_…) whose mandate the buyer authorises.")
    name: str
    description: str
    prefill: Prefill
    notes: dict[str, str] = Field(description="Carries our subscription_id back in Razorpay's webhooks.")


class _SubscriptionBase(_Body):
    subscription_id: str
    status: SubscriptionStatus
    amount: MinorUnits = Field(description="Each charge, locked from the plan's version when the buyer subscribed.")
    amount_display: str
    currency: Currency
    plan: SubscribedPlan
    mandate: Mandate | None = Field(description="The Indian mandate's rules; null when paid through Stripe.")


class RazorpaySubscriptionCreated(_SubscriptionBase):
    """A subscription paid through Razorpay: open checkout.js with `razorpay` to authorise its mandate."""

    gateway: Literal["razorpay"]
    razorpay: RazorpaySubscriptionOptions


class StripeSubscriptionCreated(_SubscriptionBase):
    """A subscription paid through Stripe: send the buyer to `stripe.url`, Checkout in subscription mode."""

    gateway: Literal["stripe"]
    stripe: StripeRedirect


class SubscriptionCreated(
    RootModel[Annotated[RazorpaySubscriptionCreated | StripeSubscriptionCreated, Field(discriminator="gateway")]]
):
    """A subscription and what starts it: checkout.js options (Razorpay) or a Checkout Session (Stripe)."""

    # Built by galla.api.bodies.describe_subscription_created.


class SubscriptionState(_Body):
    """The subscription's status after the browser's report."""

    subscription_id: str
    status: SubscriptionStatus


class NextCharge(_Body):
    """When the next charge falls due and how much it is."""

    at: datetime
    at_display: str = Field(description="The date in the shop's time zone, as the buyer's page shows it.")
    amount: MinorUnits
    amount_display: str


class SubscriptionCharge(_Body):
    """One charge of a subscription (one invoice at the gateway)."""

    id: str
    status: ChargeStatus
    amount: MinorUnits
    amount_display: str
    currency: Currency
    attempts: int
    period_start: datetime | None
    period_end: datetime | None
    period_display: str = Field(description="The period the charge pays for, as dates in the shop's time zone.")
    paid_at: datetime | None
    refunded_amount: MinorUnits
    receipt_url: str | None = Field(description="The charge's receipt page, once paid.")


class SubscriptionView(_Body):
    """A subscription as its buyer sees it."""

    # Built by galla.api.bodies.describe_subscription.

    subscription_id: str
    status: SubscriptionStatus
    status_label: str
    gateway: Gateway
    amount: MinorUnits
    amount_display: str
    currency: Currency
    plan: SubscribedPlan
    customer: BuyerCustomer
    created_at: datetime
    current_end: datetime | None = Field(description="When the period paid for ends.")
    next_charge: NextCharge | None = Field(description="Null when no charge is due (ended, or cancelling).")
    cancel_at_period_end: bool = Field(description="True once cancelled: it stops when the period paid for ends.")
    can_cancel: bool = Field(description="Whether POST /api/subscriptions/{subscription_id}/cancel may be called.")
    portal: bool = Field(description="Whether POST /api/subscriptions/{subscription_id}/portal opens Stripe's portal.")
    charges: list[SubscriptionCharge] = Field(description="Every charge, newest first.")
    mandate: Mandate | None


class PortalSession(_Body):
    """Stripe's customer portal, opened for this subscription's customer (a short-lived address: use it at once)."""

    url: str


class ReconcileReport(_Body):
    """What one reconciliation pass looked at and changed."""

    # Built by galla.api.bodies.describe_reconcile.

    orders_checked: int
    refunds_checked: int
    changed: dict[str, str] = Field(description='Order id → what changed, such as "pending → paid".')
    errors: list[str]


class WebhookReceipt(_Body):
    """A webhook delivery, stored (now or before)."""

    # Built by galla.api.bodies.describe_receipt.

    received: Literal[True]
    duplicate: bool = Field(description="The event was stored before; it is not applied twice.")
    outcome: str = Field(description="What the event did, in a few words.")


class Health(_Body):
    """The process is alive."""

    status: Literal["ok"]


class Circuit(_Body):
    """A gateway's circuit breaker: open while the gateway keeps failing, half-open while probing it."""

    circuit: Literal["closed", "open", "half_open"]
    retry_after: float = Field(description="Seconds until an open circuit lets a probe through.")


class Ready(_Body):
    """Ready when MongoDB answers; an open circuit is failed over, not fatal."""

    status: Literal["ok", "unavailable"]
    mongodb: str = Field(description='"ok", or why MongoDB did not answer.')
    gateways: dict[Gateway, Circuit]


def absent_when_unset(schema: JsonDict) -> None:
    """Document an optional field as left out when unset (never null): a string, with no default."""
    del schema["default"]
    string, _null = cast(list[JsonDict], schema.pop("anyOf"))
    schema.update(string)


class ErrorDetail(_Body):
    """What went wrong: a stable code for programs, a message for people, and the field at fault."""

    code: str = Field(examples=["invalid_input"])
    message: str
    # Absent (not null) when no one field is at fault, as galla.web.middlewares.json_error writes it.
    field: str | None = Field(None, json_schema_extra=absent_when_unset, examples=["items[0].quantity"])


class ErrorBody(_Body):
    """Every error the API answers with."""

    error: ErrorDetail


class CheckoutFailure(ErrorBody):
    """An error from placing an order; when no gateway could take it, the kept pending order's id."""

    order_id: str | None = Field(
        None,
        json_schema_extra=absent_when_unset,
        description="The order, kept pending: pay it later with POST /api/orders/{order_id}/pay.",
    )
    subscription_id: str | None = Field(
        None,
        json_schema_extra=absent_when_unset,
        description="The subscription, kept `created`: send POST /api/subscriptions again with the same "
        "Idempotency-Key to open it.",
    )
