"""The enums stay out of the store: what the flows write is plain str, which the embedded store's fast paths need."""

from urllib.parse import urlsplit

from support.addresses import shipping_address
from support.webhooks import admin_post, deliver_all, events_named, paid_razorpay_order, stored_order

from galla.orders.reconcile import ReconcilePolicy, reconcile
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay.config import SANDBOX_FAULTS

BODY = {
    "items": [{"product_id": "masala-chai", "quantity": 2}],
    "customer": {"name": "Asha Rao", "email": "asha.rao@example.in", "phone": "+91 98765 43210"},
    "country": "IN",
    "shipping_address": shipping_address("IN"),
}


def str_subclasses(value, path=""):
    """The paths of every str in a stored document that is not exactly a str (an enum member, say)."""
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in str_subclasses(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for n, item in enumerate(value) for found in str_subclasses(item, f"{path}[{n}]")]
    return [path] if isinstance(value, str) and type(value) is not str else []


async def test_a_failed_over_order_paid_through_stripe_is_stored_as_plain_strings(
    make_client, razorpay_sandbox, stripe_sandbox
):
    client = await make_client(razorpay_timeout=0.4, circuit_cooldown=60)
    razorpay_sandbox.server.app[SANDBOX_FAULTS].failures.set(1, "500")
    placed = await (await client.post("/api/checkout", json=BODY)).json()
    _, location, _ = await stripe_sandbox.pay(placed["stripe"]["session_id"])
    split = urlsplit(location)
    await client.get(f"{split.path}?{split.query}")
    await deliver_all(client, stripe_sandbox.state.events)

    db = client.app[DATABASE].db
    stored = [await db.orders.find_one({"_id": placed["order_id"]}), *await db.events.find().to_list(None)]
    assert (placed["route"], stored[0]["status"], len(stored) > 1, str_subclasses(stored)) == (
        "failover",
        "paid",
        True,
        [],
    )


async def test_a_razorpay_order_paid_refunded_and_reconciled_is_stored_as_plain_strings(client, razorpay_sandbox):
    placed, _ = await paid_razorpay_order(client, razorpay_sandbox)
    await deliver_all(client, events_named(razorpay_sandbox, "order.paid"))
    status, _ = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": 100})
    await deliver_all(client, events_named(razorpay_sandbox, "refund.processed"))
    await reconcile(client.app[SHOP], ReconcilePolicy())

    order = await stored_order(client, placed["order_id"])
    ledger = await client.app[DATABASE].db.events.find().to_list(None)
    assert (status, order["status"], str_subclasses([order, *ledger])) == (202, "partially_refunded", [])
