"""The payment trace as the owner reads it: durations as people say them, money as money, and after a refund a
notice that is the refund's stored state (pending, then processed), with statuses that never read "paid" once
refunded. Refunds go through the Razorpay sandbox kept pending, then settled as its bank would."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from support.app import ADMIN
from support.webhooks import deliver_all, events_named, paid_razorpay_order, stored_order, verify

from galla.admin.trace import email_step, format_duration
from galla.web.state import DATABASE, SHOP
from sandboxes.razorpay.config import SANDBOX_FAULTS, SANDBOX_STATE

READABLE = re.compile(r"\+(\d+(\.\d)? ms|\d+(\.\d)? s|\d+ (min|h|d)( \d+ (s|min|h))?)")


@pytest.mark.parametrize(
    ("ms", "said"),
    [
        (0.4, "0.4 ms"),
        (850, "850 ms"),
        (999.6, "1 s"),  # rounded up into the next unit, never "1000 ms"
        (2_400, "2.4 s"),
        (43_000, "43 s"),
        (60_000, "1 min"),
        (103_174, "1 min 43 s"),
        (7_500_000, "2 h 5 min"),
        (2 * 86_400_000 + 3_600_000, "2 d 1 h"),
    ],
)
def test_durations_read_as_people_say_them(ms, said):
    assert format_duration(ms) == said


async def order_page(client, path: str) -> str:
    resp = await client.get(path, headers=ADMIN)
    assert resp.status == 200, await resp.text()
    return unescape(await resp.text())


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)
    assert match, f"no {testid} on the page"
    return match.group(1).strip()


async def refund(client, order_id: str, amount: str) -> str:
    """Refund through the admin's two forms, as a person does; the page the redirect names."""
    resp = await client.post(f"/admin/orders/{order_id}/refund/confirm", data={"amount": amount}, headers=ADMIN)
    form = await resp.text()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    resp = await client.post(f"/admin/orders/{order_id}/refund", data=fields, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    return resp.headers["Location"]


async def settle_refunds(client, razorpay_sandbox) -> None:
    """The bank finishes every pending refund; the sandbox's refund.processed webhooks reach the shop."""
    state = razorpay_sandbox.server.app[SANDBOX_STATE]
    before = len(events_named(razorpay_sandbox, "refund.processed"))
    for refund_id in [r for r, made in state.refunds.items() if made["status"] == "pending"]:
        state.settle_refund(refund_id, "processed")
    await deliver_all(client, events_named(razorpay_sandbox, "refund.processed")[before:])


async def test_the_notice_follows_the_refund_and_a_refunded_order_never_reads_paid(client, razorpay_sandbox):
    razorpay_sandbox.server.app[SANDBOX_FAULTS].refund_outcome = "pending"  # the bank takes its time
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    order_id = placed["order_id"]
    await verify(client, order_id, paid)
    assert placed["amount"] == 199700

    half = await refund(client, order_id, "998.50")
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created"))
    page = await order_page(client, half)
    assert text_of(page, "notice").startswith("Refund of ₹998.50 is pending at Razorpay")
    assert text_of(page, "order-status") == "Paid" and text_of(page, "payment-state") == "Refund pending"
    assert text_of(page, "refund-status") == "Pending at the gateway"

    await settle_refunds(client, razorpay_sandbox)
    page = await order_page(client, half)  # the same address, read again: the notice is the refund's state now
    assert text_of(page, "notice") == "Refund of ₹998.50 processed: Razorpay has sent it back to the buyer's UPI."
    assert text_of(page, "order-status") == "Partially refunded"
    assert text_of(page, "payment-state") == "Partially refunded"
    assert "refunded ₹0.00 → ₹998.50" in page  # the webhook's outcome in the trace, as money

    rest = await refund(client, order_id, "")
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created")[1:])
    await settle_refunds(client, razorpay_sandbox)
    page = await order_page(client, rest)
    assert text_of(page, "notice").startswith("Refund of ₹998.50 processed")
    assert (await stored_order(client, order_id))["status"] == "refunded"
    assert text_of(page, "order-status") == "Refunded" and text_of(page, "payment-state") == "Refunded"
    assert "refunded ₹998.50 → ₹1,997.00" in page
    assert not re.search(r"refunded \d+ → \d+", page)  # no minor units anywhere outside the raw payloads


async def test_a_page_without_a_known_refund_shows_no_notice(client, razorpay_sandbox):
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    await verify(client, placed["order_id"], paid)
    page = await order_page(client, f"/admin/orders/{placed['order_id']}?refund=rf_not_one_of_its_refunds")
    assert 'data-testid="notice"' not in page


async def test_the_trace_times_steps_as_people_say_them(client, razorpay_sandbox):
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    order_id = placed["order_id"]
    await verify(client, order_id, paid)
    stored = await stored_order(client, order_id)
    late = {"at": stored["created_at"] + timedelta(milliseconds=103_174), "kind": "note", "message": "a late step"}
    later = {"at": stored["created_at"] + timedelta(hours=2, minutes=5), "kind": "note", "message": "much later"}
    await client.app[DATABASE].db.orders.update_one(
        {"_id": order_id}, {"$push": {"timeline": {"$each": [late, later]}}}
    )

    page = await order_page(client, f"/admin/orders/{order_id}")
    offsets = re.findall(r'data-testid="trace-offset">(.*?)<', page)
    assert offsets[-2:] == ["+1 min 43 s", "+2 h 5 min"]
    assert all(READABLE.fullmatch(offset) for offset in offsets), offsets
    assert "2 h 3 min after the last" in page  # from 1 min 43 s to 2 h 5 min
    assert not re.search(r"\d{4,} ms", page)  # never thousands of milliseconds
    assert re.search(r"took \d+(\.\d)? ms", page)  # the gateway calls' round trips


async def test_a_refund_the_bank_fails_says_so_and_the_money_stays_refundable(client, razorpay_sandbox):
    razorpay_sandbox.server.app[SANDBOX_FAULTS].refund_outcome = "failed"
    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    await verify(client, placed["order_id"], paid)
    done = await refund(client, placed["order_id"], "100")
    await deliver_all(client, events_named(razorpay_sandbox, "refund.created", "refund.failed"))
    page = await order_page(client, done)
    assert text_of(page, "notice") == "Refund of ₹100.00 failed at Razorpay. Nothing was sent back."
    assert 'class="admin-notice admin-notice--error" role="alert"' in page
    assert text_of(page, "refund-status") == "Failed" and text_of(page, "order-status") == "Paid"
    assert text_of(page, "payment-state") == "Captured"


def test_an_email_step_names_its_kind_in_words():
    message = {"kind": "refund_made", "status": "held", "created_at": datetime(2026, 12, 6, tzinfo=UTC), "to": "a@b.in"}
    assert email_step(message).title == "Refund made email held"


async def test_the_status_and_the_trace_come_from_one_read_of_the_order(client, razorpay_sandbox, monkeypatch):
    """A webhook landing between the handler's read of the order and the trace's showed a Paid badge above a trace
    ending Status → Refunded: the page shows the order as read with its timeline."""
    import galla.admin.orders as admin_orders

    placed, paid = await paid_razorpay_order(client, razorpay_sandbox)
    order_id = placed["order_id"]
    await verify(client, order_id, paid)
    before = await admin_orders.load_order(client.app[SHOP], order_id)  # paid, as the handler read it
    refunded = {"at": before.updated_at, "kind": "status", "to": "refunded", "reason": "the webhook, just now"}
    await client.app[DATABASE].db.orders.update_one(
        {"_id": order_id}, {"$set": {"status": "refunded"}, "$push": {"timeline": refunded}}
    )

    async def stale(shop, wanted):
        return before

    monkeypatch.setattr(admin_orders, "load_order", stale)
    page = await order_page(client, f"/admin/orders/{order_id}")
    assert text_of(page, "order-status") == "Refunded" and "Status → Refunded" in page
