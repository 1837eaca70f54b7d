"""A subscription's authentication in the payment window, in headless Chromium: checkout.js opened with
subscription_id instead of order_id (SUBSCRIPTIONS.md §6), by UPI Autopay, e-mandate and card.

The handler gets razorpay_payment_id, razorpay_subscription_id and razorpay_signature, which the official SDK's
utility.verify_subscription_payment_signature accepts (HMAC of payment_id|subscription_id, razorpay-python
razorpay/utility/utility.py).
"""

from __future__ import annotations

import html
import json
import re

import aiohttp
import pytest
import razorpay
from aiohttp import web
from support.axe import check_page
from support.browser import NEEDS_BROWSER, phone_page
from support.razorpay_sandbox import MOUNT, basic_auth, new_keys
from test_sandbox_browser import CHROMIUM, PAGE_HEAD, run_chromium

from sandboxes.razorpay import SANDBOX_STATE, SANDBOX_SUBSCRIPTIONS, create_razorpay_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium to run checkout.js in")]

SHOP_PAGE = (
    PAGE_HEAD
    + """function text(doc, testid) { var node = doc.querySelector('[data-testid="' + testid + '"]'); return node && node.textContent; }
function subscribe(subscriptionId) {
  var log = {failed: [], handler: []};
  var rzp = new Razorpay({key: params.get('key'), subscription_id: subscriptionId, name: 'Galla',
                          prefill: {contact: '+919876543210', email: 'asha@example.in'},
                          handler: function (response) { log.handler.push(response); }});
  rzp.on('payment.failed', function (response) { log.failed.push(response.error); });
  rzp.open();
  return log;
}

async function run() {
  // UPI Autopay: the UPI app declines, the buyer tries again and approves.
  var upi = subscribe(params.get('upi'));
  var doc = await waitFor(frameDoc);
  results.upi_amount = text(doc, 'amount');
  results.upi_mandate = text(doc, 'mandate');
  doc.querySelector('[data-testid="upi-failure"]').click();
  await waitFor(function () { return visible(doc, 'payment-error'); });
  doc.querySelector('[data-testid="retry"]').click();
  doc.querySelector('[data-testid="upi-success"]').click();
  await waitFor(function () { return upi.handler.length; });
  results.upi = upi;

  // E-mandate: the bank tab, the bank's page approves.
  var emandate = subscribe(params.get('emandate'));
  doc = await waitFor(frameDoc);
  results.emandate_tab = text(doc, 'method-netbanking');
  doc.querySelector('[data-testid="method-netbanking"]').click();
  doc.querySelector('[data-testid="bank-select"]').value = 'SBIN';
  doc.querySelector('[data-testid="bank-pay"]').click();
  await waitFor(function () { return visible(doc, 'bank-page'); });
  doc.querySelector('[data-testid="bank-success"]').click();
  await waitFor(function () { return emandate.handler.length; });
  results.emandate = emandate;

  // Card, on a subscription that starts later: ₹5 to authorise.
  var card = subscribe(params.get('card'));
  doc = await waitFor(frameDoc);
  results.card_amount = text(doc, 'amount');
  results.card_mandate = text(doc, 'mandate');
  doc.querySelector('[data-testid="method-card"]').click();
  doc.querySelector('[data-testid="card-number"]').value = '4718 6091 0820 4366';
  doc.querySelector('[data-testid="card-expiry"]').value = '12 / 99';
  doc.querySelector('[data-testid="card-cvv"]').value = '123';
  doc.querySelector('[data-testid="card-pay"]').click();
  await waitFor(function () { return card.handler.length; });
  results.card = card;
}
run().catch(function (e) { results.crash = String(e && e.stack || e); }).then(function () {
  document.getElementById('result').textContent = JSON.stringify(results);
});
</script></body></html>
""".replace("MOUNT", MOUNT)
)

PLAN = {"period": "monthly", "interval": 1, "item": {"name": "Tea club", "amount": 49900, "currency": "INR"}}


async def shop_page(request: web.Request) -> web.Response:
    return web.Response(text=SHOP_PAGE, content_type="text/html")


async def test_a_buyer_authenticates_subscriptions_by_upi_emandate_and_card_in_a_real_browser(aiohttp_server):
    key_id, key_secret = new_keys()
    sandbox = create_razorpay_sandbox(key_id=key_id, key_secret=key_secret)
    shop = web.Application()
    shop.router.add_get("/", shop_page)
    shop.add_subapp(MOUNT, sandbox)
    server = await aiohttp_server(shop)
    subscriptions = {}
    async with aiohttp.ClientSession(headers={"Authorization": basic_auth(key_id, key_secret)}) as session:
        async with session.post(server.make_url(MOUNT + "/v1/plans"), json=PLAN) as resp:
            plan_id = (await resp.json())["id"]
        start_later = {"start_at": sandbox[SANDBOX_STATE].now() + 7 * 24 * 3600}
        for name, extra in (("upi", {}), ("emandate", {}), ("card", start_later)):
            body = {"plan_id": plan_id, "total_count": 12, **extra}
            async with session.post(server.make_url(MOUNT + "/v1/subscriptions"), json=body) as resp:
                subscriptions[name] = (await resp.json())["id"]

    dom = await run_chromium(str(server.make_url("/").with_query(key=key_id, **subscriptions)))
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    results = json.loads(html.unescape(match.group(1)))
    assert "crash" not in results, results["crash"]

    book = sandbox[SANDBOX_SUBSCRIPTIONS]
    payments = sandbox[SANDBOX_STATE].payments
    utility = razorpay.Client(auth=(key_id, key_secret)).utility
    assert results["upi_amount"] == "₹499.00"
    assert results["upi_mandate"] == "Mandate for Tea club: ₹499.00 monthly, 12 charges."
    assert results["emandate_tab"] == "E-mandate"
    assert results["card_amount"] == "₹5.00" and "refunded at once" in results["card_mandate"]
    (failure,) = results["upi"]["failed"]
    assert failure["metadata"]["subscription_id"] == subscriptions["upi"]
    assert payments[failure["metadata"]["payment_id"]]["status"] == "failed"
    for name, method, status in (
        ("upi", "upi", "active"),
        ("emandate", "emandate", "active"),
        ("card", "card", "authenticated"),
    ):
        (paid,) = results[name]["handler"]
        assert set(paid) == {"razorpay_payment_id", "razorpay_subscription_id", "razorpay_signature"}
        assert paid["razorpay_subscription_id"] == subscriptions[name]
        assert utility.verify_subscription_payment_signature(paid) is True
        subscription = book.subscriptions[subscriptions[name]]
        assert (subscription["status"], subscription["payment_method"]) == (status, method)
        assert payments[paid["razorpay_payment_id"]]["contact"] == "+919876543210"
    assert payments[results["emandate"]["handler"][0]["razorpay_payment_id"]]["bank"] == "SBIN"


@NEEDS_BROWSER
async def test_the_subscription_window_passes_axe_on_a_phone(aiohttp_server):
    """The window for a mandate, opened on its own at 390 px: no serious or critical axe-core violation; screenshot
    artifacts/screenshots/razorpay-subscription-window.png."""
    key_id, key_secret = new_keys()
    sandbox = create_razorpay_sandbox(key_id=key_id, key_secret=key_secret)
    server = await aiohttp_server(sandbox)
    async with aiohttp.ClientSession(headers={"Authorization": basic_auth(key_id, key_secret)}) as session:
        async with session.post(server.make_url("/v1/plans"), json=PLAN) as resp:
            plan_id = (await resp.json())["id"]
        body = {"plan_id": plan_id, "total_count": 12}
        async with session.post(server.make_url("/v1/subscriptions"), json=body) as resp:
            subscription_id = (await resp.json())["id"]
    url = server.make_url("/checkout/window").with_query(key_id=key_id, subscription_id=subscription_id)
    async with phone_page(timeout_ms=8000) as page:
        await page.goto(str(url))
        assert await page.get_by_test_id("mandate").is_visible()
        await check_page(page, "razorpay-subscription-window")
        await page.get_by_test_id("method-netbanking").click()
        await check_page(page, "razorpay-subscription-window-emandate")
