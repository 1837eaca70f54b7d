"""The enums stay out of the store: what the flows write is plain str, which the embedded store's fast paths need."""

from urllib.parse import urlsplit

from address_helpers import shipping_address
from webhook_helpers import deliver_all

from galla.web.state import DATABASE
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
