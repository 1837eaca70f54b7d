"""Issue 24 item 6 end to end: an order priced in ISK, paid and refunded through the Stripe sandbox over real sockets.

docs.stripe.com/currencies#special-cases: "ISK transitioned to a zero-decimal currency, but backward compatibility
requires you to represent it as a two-decimal value, where the decimal amount is always `00`. For example, to charge
5 ISK, provide an `amount` value of `500`." Galla counts ISK in whole krónur; only Stripe's wire has the extra 00,
and nothing a person reads (order, refunds, timeline) may carry it.
"""

from __future__ import annotations

from support.addresses import shipping_address
from support.app import checkout_body
from support.webhooks import admin_post, deliver, events_named, place, stored_order

from galla.web.state import DATABASE

BUYER = {"name": "Guðrún Jónsdóttir", "email": "gudrun@example.is", "phone": "+354 555 0132"}
CHAI_KRONUR, DIYA_KRONUR = 1290, 3490  # whole krónur: 2 × 1,290 + 3,490 = 6,070 ISK


async def paid_isk_order(client, stripe_sandbox) -> dict:
    """An Icelandic buyer's order in ISK, paid on Stripe's page and confirmed by checkout.session.completed."""
    db = client.app[DATABASE].db
    await db.products.update_one({"_id": "masala-chai"}, {"$set": {"prices.ISK": CHAI_KRONUR}})
    await db.products.update_one({"_id": "brass-diya"}, {"$set": {"prices.ISK": DIYA_KRONUR}})
    placed = await place(client, checkout_body(customer=BUYER, country="IS", shipping_address=shipping_address("IS")))
    assert (placed["currency"], placed["amount"]) == ("ISK", 2 * CHAI_KRONUR + DIYA_KRONUR)
    status, _, _ = await stripe_sandbox.pay(placed["stripe"]["session_id"])
    assert status == 303
    await deliver(client, events_named(stripe_sandbox, "checkout.session.completed")[0])
    return placed


async def test_item6_an_isk_order_is_charged_as_stripe_expects_and_kept_in_kronur(client, stripe_sandbox):
    placed = await paid_isk_order(client, stripe_sandbox)
    [charge] = stripe_sandbox.state.charges.values()
    order = await stored_order(client, placed["order_id"])
    assert (charge["amount"], charge["currency"]) == (607000, "isk")
    assert (order["status"], order["amount_paid"], order["payment"]["amount"]) == ("paid", 6070, 6070)


async def test_item6_an_isk_refund_goes_to_stripe_times_100_and_counts_in_kronur(client, stripe_sandbox):
    placed = await paid_isk_order(client, stripe_sandbox)
    status, answer = await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": 1000})
    assert status == 202, answer
    [made] = stripe_sandbox.state.refunds.values()
    await deliver(client, events_named(stripe_sandbox, "refund.created")[0])
    order = await stored_order(client, placed["order_id"])
    assert (made["amount"], order["status"], order["refunded_amount"]) == (100000, "partially_refunded", 1000)


async def test_item6_charge_refunded_notes_the_refund_in_kronur_not_in_stripes_wire_units(client, stripe_sandbox):
    """charge.refunded after the refund is known: the timeline says what was refunded, 1,000 ISK, never 100000."""
    placed = await paid_isk_order(client, stripe_sandbox)
    await admin_post(client, f"/api/admin/orders/{placed['order_id']}/refund", {"amount": 1000})
    await deliver(client, events_named(stripe_sandbox, "refund.created")[0])
    await deliver(client, events_named(stripe_sandbox, "charge.refunded")[0])
    order = await stored_order(client, placed["order_id"])
    [note] = [e["message"] for e in order["timeline"] if "every refund already recorded" in e.get("message", "")]
    assert "100000" not in note and "1,000" in note
