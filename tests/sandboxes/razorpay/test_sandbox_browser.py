"""checkout.js and the window in a real headless Chromium, mounted under a prefix as the shop mounts it.

Skipped where no Chromium is installed. The shop page here is same-origin with the sandbox, so the
script can click inside the iframe the way a buyer would.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import os
import re
import shutil
import tempfile

import aiohttp
import pytest
from aiohttp import web
from support.razorpay_sandbox import MOUNT, basic_auth, new_keys

from sandboxes.razorpay import SANDBOX_STATE, create_razorpay_sandbox

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
)
pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium to run checkout.js in")]

# The page's start, which test_sandbox_subscription_window.py builds its own page on: checkout.js, waiting, the frame.
PAGE_HEAD = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title></head>
<body><pre id="result">pending</pre>
<script src="MOUNT/v1/checkout.js"></script>
<script>
var params = new URLSearchParams(location.search);
var results = {};
function waitFor(check) {
  return new Promise(function (resolve, reject) {
    var started = Date.now();
    (function poll() {
      var value; try { value = check(); } catch (e) { value = null; }
      if (value) return resolve(value);
      if (Date.now() - started > 8000) return reject(new Error('timed out waiting'));
      setTimeout(poll, 25);
    })();
  });
}
function frameDoc() {
  var frame = document.querySelector('[data-testid="razorpay-sandbox-frame"]');
  var doc = frame && frame.contentDocument;
  return doc && doc.readyState === 'complete' && doc.querySelector('[data-testid="close"]') ? doc : null;
}
function visible(doc, testid) {
  var node = doc.querySelector('[data-testid="' + testid + '"]');
  return node && !node.hidden ? node : null;
}
""".replace("MOUNT", MOUNT)
SHOP_PAGE = (
    PAGE_HEAD
    + """function overlayOpen() { return !!document.querySelector('[data-testid="razorpay-sandbox-overlay"]'); }
function checkout(orderId, extra) {
  var log = {failed: [], handler: [], dismissed: 0};
  var options = {key: params.get('key'), order_id: orderId, amount: 49900, currency: 'INR', name: 'Galla',
                 description: 'Masala chai', prefill: {contact: '+919876543210', email: 'asha@example.in'},
                 handler: function (response) { log.handler.push(response); },
                 modal: {ondismiss: function () { log.dismissed += 1; }}};
  Object.keys(extra || {}).forEach(function (name) { options[name] = extra[name]; });
  var rzp = new Razorpay(options);
  rzp.on('payment.failed', function (response) { log.failed.push(response.error); });
  return {rzp: rzp, log: log};
}

async function run() {
  try { new Razorpay({order_id: 'x'}); } catch (e) { results.missing_key = e.message; }
  try { new Razorpay({key: 'x'}); } catch (e) { results.missing_order = e.message; }

  // Fail by UPI, try again in the same window, then pay by card.
  var a = checkout(params.get('order_a'), {notes: {gift: 1, order_id: 'ord_B'}});
  a.rzp.open();
  var doc = await waitFor(frameDoc);
  results.window_amount = doc.querySelector('[data-testid="amount"]').textContent;
  doc.querySelector('[data-testid="upi-failure"]').click();
  await waitFor(function () { return visible(doc, 'payment-error'); });
  results.open_after_failure = overlayOpen();
  doc.querySelector('[data-testid="retry"]').click();
  doc.querySelector('[data-testid="method-card"]').click();
  doc.querySelector('[data-testid="card-number"]').value = '4100 2800 0000 1007';
  doc.querySelector('[data-testid="card-expiry"]').value = '12 / 99';
  doc.querySelector('[data-testid="card-cvv"]').value = '123';
  doc.querySelector('[data-testid="card-pay"]').click();
  await waitFor(function () { return a.log.handler.length; });
  results.a = a.log;
  results.open_after_success = overlayOpen();

  // A click beside the card does not close by default; Escape and the close button do.
  var b = checkout(params.get('order_b'));
  b.rzp.open();
  doc = await waitFor(frameDoc);
  doc.body.click();
  await new Promise(function (resolve) { setTimeout(resolve, 200); });
  results.open_after_backdrop = overlayOpen();
  doc.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
  await waitFor(function () { return b.log.dismissed === 1; });
  results.open_after_escape = overlayOpen();
  b.rzp.open();
  doc = await waitFor(frameDoc);
  doc.querySelector('[data-testid="close"]').click();
  await waitFor(function () { return b.log.dismissed === 2; });
  results.b = b.log;

  // ...unless the shop asked for modal.backdropclose.
  var e = checkout(params.get('order_b'), {modal: {backdropclose: true, ondismiss: function () { results.e = 'dismissed'; }}});
  e.rzp.open();
  doc = await waitFor(frameDoc);
  doc.body.click();
  await waitFor(function () { return results.e; });

  // Netbanking with retry off: the failure ends checkout and ondismiss follows.
  var c = checkout(params.get('order_c'), {retry: {enabled: false}});
  c.rzp.open();
  doc = await waitFor(frameDoc);
  doc.querySelector('[data-testid="method-netbanking"]').click();
  doc.querySelector('[data-testid="bank-select"]').value = 'SBIN';
  doc.querySelector('[data-testid="bank-pay"]').click();
  await waitFor(function () { return visible(doc, 'bank-page'); });
  doc.querySelector('[data-testid="bank-failure"]').click();
  await waitFor(function () { return c.log.dismissed; });
  results.c = c.log;
  results.open_after_c = overlayOpen();

  // A forged message from this page itself (not the iframe) must be ignored.
  var d = checkout(params.get('order_b'));
  d.rzp.open();
  await waitFor(frameDoc);
  window.postMessage({source: 'razorpay-sandbox', type: 'success', response: {razorpay_payment_id: 'pay_fake'}}, '*');
  await new Promise(function (resolve) { setTimeout(resolve, 300); });
  results.d = d.log;
  d.rzp.close();
  results.open_after_close = overlayOpen();
}
run().catch(function (e) { results.crash = String(e && e.stack || e); }).then(function () {
  document.getElementById('result').textContent = JSON.stringify(results);
});
</script></body></html>
""".replace("MOUNT", MOUNT)
)


async def shop_page(request: web.Request) -> web.Response:
    return web.Response(text=SHOP_PAGE, content_type="text/html")


async def run_chromium(url: str) -> str:
    """Load url in headless Chromium and return the DOM once the page's scripts have settled."""
    with tempfile.TemporaryDirectory() as profile:
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            "--window-size=1024,768",
            "--dump-dom",
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, "HOME": profile},
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), 60)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    return out.decode()


async def test_buyer_fails_retries_pays_and_dismisses_in_a_real_browser(aiohttp_server):
    key_id, key_secret = new_keys()
    sandbox = create_razorpay_sandbox(key_id=key_id, key_secret=key_secret)
    shop = web.Application()
    shop.router.add_get("/", shop_page)
    shop.add_subapp(MOUNT, sandbox)
    server = await aiohttp_server(shop)
    state = sandbox[SANDBOX_STATE]
    orders = {}
    async with aiohttp.ClientSession(headers={"Authorization": basic_auth(key_id, key_secret)}) as session:
        for name in ("order_a", "order_b", "order_c"):
            async with session.post(
                server.make_url(MOUNT + "/v1/orders"), json={"amount": 49900, "currency": "INR"}
            ) as resp:
                orders[name] = (await resp.json())["id"]
    url = server.make_url("/").with_query(key=key_id, **orders)

    dom = await run_chromium(str(url))
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    results = json.loads(html.unescape(match.group(1)))
    assert "crash" not in results, results["crash"]

    assert "key" in results["missing_key"] and "order_id" in results["missing_order"]
    assert results["window_amount"] == "₹499.00"

    a = results["a"]
    assert results["open_after_failure"] is True and results["open_after_success"] is False
    assert a["dismissed"] == 0 and len(a["failed"]) == 1 and len(a["handler"]) == 1
    failure = a["failed"][0]
    assert set(failure) == {"code", "description", "source", "step", "reason", "metadata"}
    assert failure["code"] == "BAD_REQUEST_ERROR" and failure["metadata"]["order_id"] == orders["order_a"]
    assert state.payments[failure["metadata"]["payment_id"]]["status"] == "failed"
    paid = a["handler"][0]
    assert paid["razorpay_order_id"] == orders["order_a"]
    assert (
        paid["razorpay_signature"]
        == hmac.new(
            key_secret.encode(), f"{orders['order_a']}|{paid['razorpay_payment_id']}".encode(), hashlib.sha256
        ).hexdigest()
    )
    payment = state.payments[paid["razorpay_payment_id"]]
    assert (payment["method"], payment["status"], payment["contact"]) == ("card", "captured", "+919876543210")
    # The notes option reaches the payments through the window, the order's own notes do not (issue 24).
    assert (
        payment["notes"]
        == state.payments[failure["metadata"]["payment_id"]]["notes"]
        == {"gift": 1, "order_id": "ord_B"}
    )
    assert state.orders[orders["order_a"]]["status"] == "paid"

    assert results["open_after_backdrop"] is True and results["open_after_escape"] is False
    assert results["e"] == "dismissed"
    assert results["b"] == {"failed": [], "handler": [], "dismissed": 2}
    assert state.orders[orders["order_b"]]["attempts"] == 0

    c = results["c"]
    assert len(c["failed"]) == 1 and c["dismissed"] == 1 and c["handler"] == []
    assert results["open_after_c"] is False
    assert state.payments[c["failed"][0]["metadata"]["payment_id"]]["bank"] == "SBIN"

    assert results["d"] == {"failed": [], "handler": [], "dismissed": 0}
    assert results["open_after_close"] is False
