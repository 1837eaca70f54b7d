"""Against a running `make run` (keyless: both sandboxes mounted): pay an order by UPI, refund half of it
from the admin API, and watch the order turn partially_refunded when the refund webhook arrives.

    ADMIN_PASSWORD=demo make run            # terminal 1
    ADMIN_PASSWORD=demo make demo-refund    # terminal 2 (BASE_URL defaults to http://127.0.0.1:8080)
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import aiohttp

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8080")
PASSWORD = os.environ.get("ADMIN_PASSWORD", "")


async def wait_for_status(session: aiohttp.ClientSession, order_id: str, wanted: str, timeout: float = 15) -> float:
    """Poll the order until it has the wanted status; return the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        order = await (await session.get(f"/api/orders/{order_id}")).json()
        if order["status"] == wanted:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise SystemExit(f"order {order_id} is still {order['status']} after {timeout} s (wanted {wanted})")


async def main() -> None:
    """Run the demo and print each step."""
    if not PASSWORD:
        raise SystemExit("set ADMIN_PASSWORD to the password the server was started with")
    admin = {"Authorization": aiohttp.encode_basic_auth("admin", PASSWORD)}
    async with aiohttp.ClientSession(base_url=BASE_URL) as session:
        resp = await session.post(
            "/api/checkout",
            json={
                "items": [{"product_id": "pashmina-shawl", "quantity": 1}],
                "customer": {"name": "Meera Iyer", "email": "meera@example.in", "phone": "9845012345"},
                "shipping_address": {
                    "line1": "14, 2nd Cross, Indiranagar",
                    "city": "Bengaluru",
                    "state": "Karnataka",
                    "postal_code": "560038",
                },
                "country": "IN",
            },
        )
        placed = await resp.json()
        if resp.status != 201:
            raise SystemExit(f"checkout failed: {resp.status} {placed}")
        order_id, options = placed["order_id"], placed["razorpay"]
        print(f"1. order {order_id}: {placed['amount']} paise, Razorpay order {options['order_id']}")
        resp = await session.post(
            "/sandbox/razorpay/checkout/pay",
            json={"key_id": options["key"], "order_id": options["order_id"], "method": "upi", "outcome": "success"},
        )
        print(
            f"2. paid by UPI in the sandbox: {(await resp.json())['razorpay_payment_id']} "
            "(the browser's verify call is skipped: the webhook alone settles it)"
        )
        print(f"3. order paid after the payment webhook, {await wait_for_status(session, order_id, 'paid'):.2f} s")
        resp = await session.post(
            f"/api/admin/orders/{order_id}/refund", json={"amount": placed["amount"] // 2}, headers=admin
        )
        refund = await resp.json()
        if resp.status != 202:
            raise SystemExit(f"refund failed: {resp.status} {refund}")
        print(
            f"4. refund of {refund['refund']['amount']} paise asked: {refund['refund']['refund_id']}, "
            f"{refund['refund']['status']}; order still {refund['status']}"
        )
        took = await wait_for_status(session, order_id, "partially_refunded")
        print(f"5. order partially_refunded after the refund webhook, {took:.2f} s")
        order = await (await session.get(f"/api/admin/orders/{order_id}", headers=admin)).json()
        print(
            f"   refunded {order['refunded_amount']} of {order['amount_paid']} paise; refundable {order['refundable']}"
        )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
