"""Receipts: the buyer's order page once paid, the receipt email's content, and its one place in the outbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from support.app import CUSTOMER, checkout_body
from support.money import paid_and_known, refund
from support.webhooks import US_BUYER, deliver, deliver_all, events_named, paid_stripe_order, place

from galla.orders.receipts import format_shop_time, queue_receipt
from galla.store.orders import get_order
from galla.web.state import DATABASE, SHOP


def receipt_section(page: str) -> str:
    """The receipt header of an order page."""
    match = re.search(r'<section class="receipt-head"(.*?)</section>', page, re.S)
    assert match, "no receipt header on the page"
    return match.group(1)


def test_receipt_times_are_written_in_ist():
    assert format_shop_time(datetime(2025, 3, 4, 9, 37, tzinfo=UTC)) == "4 Mar 2025, 3:07 pm IST"
    assert format_shop_time(datetime(2025, 12, 31, 18, 45, tzinfo=UTC)) == "1 Jan 2026, 12:15 am IST"
    assert format_shop_time(datetime(2025, 6, 1, 6, 30)) == "1 Jun 2025, 12:00 pm IST"  # naive is UTC
    assert format_shop_time(None) is None


async def test_a_pending_order_page_is_not_a_receipt(client):
    placed = await place(client, checkout_body())
    page = await (await client.get(f"/orders/{placed['order_id']}")).text()
    assert re.search(r'<section class="receipt-head"[^>]*\bhidden>\s*</section>', page)
    assert re.search(r'data-testid="print-receipt"[^>]*\s+hidden>', page)
    assert await client.app[DATABASE].db.outbox.count_documents({}) == 0


async def test_a_paid_upi_order_page_reads_as_a_printable_receipt(client, razorpay_sandbox):
    placed, paid = await paid_and_known(client, razorpay_sandbox)
    order_id = placed["order_id"]
    resp = await client.get(f"/orders/{order_id}")
    page = await resp.text()
    assert resp.status == 200
    head = receipt_section(page)
    assert " hidden" not in head.split(">", 1)[0]
    assert "Galla" in head and ">Receipt<" in head and order_id in head
    order = await get_order(client.app[DATABASE].db, order_id)
    assert format_shop_time(order.paid_at) in head and "IST" in head
    # Items with quantities and unit prices, the total, and how it was paid.
    assert "Assam Masala Chai, 250 g" in page and "₹349.00 each" in page and "₹1,299.00 each" in page
    assert re.search(r'<td class="num">2</td>\s*<td class="num">₹698.00</td>', page)
    assert 'data-testid="order-total">₹1,997.00<' in page
    assert paid["razorpay_payment_id"] in page and ">UPI<" in page and ">Razorpay<" in page
    # The print button shows (order.js wires it, no inline script), and the print styles come along.
    assert re.search(r'data-testid="print-receipt" data-print\s*>', page)
    assert '<link rel="stylesheet" href="/static/css/receipt.css">' in page
    css = await (await client.get("/static/css/receipt.css")).text()
    assert "@media print" in css and ".site-header" in css and ".banner" in css
    assert 'data-testid="order-refunded"' not in page  # nothing refunded yet


async def test_the_receipt_shows_what_was_refunded(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    status, _ = await refund(client, placed["order_id"], 49900)
    assert status == 202
    await deliver_all(client, events_named(razorpay_sandbox, "refund.processed"))
    page = await (await client.get(f"/orders/{placed['order_id']}")).text()
    assert "Partially refunded" in page and receipt_section(page)
    assert 'data-testid="order-refunded">−₹499.00<' in page
    assert 'data-testid="order-net">₹1,498.00<' in page


async def test_a_stripe_order_paid_by_webhook_gets_its_receipt_too(client, stripe_sandbox):
    placed = await paid_stripe_order(client, stripe_sandbox)
    await deliver(client, events_named(stripe_sandbox, "checkout.session.completed")[0])
    page = await (await client.get(f"/orders/{placed['order_id']}")).text()
    assert ">Stripe<" in page and placed["order_id"] in receipt_section(page)
    message = await client.app[DATABASE].db.outbox.find_one({"order_id": placed["order_id"]})
    assert message["_id"] == f"receipt:{placed['order_id']}" and message["to"] == US_BUYER["email"]
    assert "$" in message["text"] and "Stripe" in message["text"] and message["status"] in ("queued", "held")


async def test_paying_queues_one_receipt_email_with_the_order_in_it(client, razorpay_sandbox):
    placed, paid = await paid_and_known(client, razorpay_sandbox)
    # Told again by the browser and every webhook: still one message.
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert (await resp.json())["status"] == "paid"
    await deliver_all(client, events_named(razorpay_sandbox, "payment.captured", "order.paid"))
    db = client.app[DATABASE].db
    messages = await db.outbox.find().to_list(None)
    assert len(messages) == 1
    message = messages[0]
    assert message["_id"] == f"receipt:{placed['order_id']}" and message["kind"] == "receipt"
    assert message["to"] == CUSTOMER["email"].lower() and message["attempts"] == 0
    assert message["subject"] == f"Your Galla receipt for order {placed['order_id']}"
    for body in (message["text"], message["html"]):
        assert placed["order_id"] in body and "₹1,997.00" in body and "Hand-cast Brass Diya" in body
        assert f"/orders/{placed['order_id']}" in body
    assert "2 × ₹349.00 = ₹698.00" in message["text"]
    # Queuing again (a crash between the two writes, healed by a repeat) changes nothing.
    order = await get_order(db, placed["order_id"])
    assert await queue_receipt(client.app[SHOP], order) is False
    assert await db.outbox.count_documents({}) == 1


async def test_the_receipt_email_escapes_what_the_buyer_typed(client, razorpay_sandbox):
    buyer = dict(CUSTOMER, name="<b>Asha</b> Rao")
    placed = await place(client, checkout_body(customer=buyer))
    status, paid = await razorpay_sandbox.pay(placed["razorpay"]["order_id"])
    assert status == 200
    await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    message = await client.app[DATABASE].db.outbox.find_one({"order_id": placed["order_id"]})
    assert "<b>" not in message["html"] and "Thank you, &lt;b&gt;Asha&lt;/b&gt;!" in message["html"]
    assert "Thank you, <b>Asha</b>!" in message["text"]  # plain text is not HTML: kept as typed


async def test_an_unpaid_order_queues_no_receipt(client, razorpay_sandbox):
    placed = await place(client, checkout_body())
    order = await get_order(client.app[DATABASE].db, placed["order_id"])
    assert await queue_receipt(client.app[SHOP], order) is False
    assert await client.app[DATABASE].db.outbox.count_documents({}) == 0
