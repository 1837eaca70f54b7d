"""Issue 24 (review round, "the ledger must not grow without bound"): a refused webhook delivery (bad signature)
was stored whatever it claimed, one document per request, and the webhook endpoints have no rate limit (a gateway's
retries must never be refused): a stranger could fill the database (30 days under the TTL index; the embedded
store has no TTL, so for ever, in memory). Refusals are kept only as evidence in an order's trace, so only those
naming an order of ours are kept, and at most KEEP_PER_ORDER per order.
"""

from __future__ import annotations

from support.abuse import place_order
from support.webhooks import post_razorpay

from galla.store.rejections import KEEP_PER_ORDER
from galla.web.state import DATABASE


def forged(order_id: str | None) -> dict:
    notes = {"order_id": order_id} if order_id else {}
    return {
        "event": "payment.captured",
        "payload": {"payment": {"entity": {"id": "pay_Nz1ZfK2qXo9sRa", "notes": notes}}},
    }


async def test_refused_deliveries_naming_no_order_of_ours_are_not_kept(client):
    for n, claimed in enumerate([None, "ord_not_ours", None]):
        status, _ = await post_razorpay(client, forged(claimed), f"evt_{n}", secret="not-the-secret")
        assert status == 400
    assert await client.app[DATABASE].db.webhook_rejections.count_documents({}) == 0


async def test_refused_deliveries_naming_one_order_are_kept_up_to_a_bound(client):
    placed = await place_order(client)
    for n in range(KEEP_PER_ORDER + 10):
        status, _ = await post_razorpay(client, forged(placed["order_id"]), f"evt_{n}", secret="not-the-secret")
        assert status == 400
    kept = await client.app[DATABASE].db.webhook_rejections.count_documents({"order_id": placed["order_id"]})
    assert kept == KEEP_PER_ORDER
