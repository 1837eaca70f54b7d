/* Starts a payment for one of our orders at its gateway: Razorpay's checkout window (and tells the server
   what happened), or Stripe's hosted Checkout page.

   GallaPay.goToStripe(stripe, hooks?) → leaves the page for stripe.url
     stripe    the "stripe" object ({session_id, url}) from POST /api/checkout or POST /api/orders/{id}/pay
     hooks     optional: onStatus(text) for progress
   Stripe sends the buyer back to /orders/{id}?session_id=… (paid) or /orders/{id}?cancelled=1.

   GallaPay.openRazorpay(orderId, options, scriptUrl?, hooks?) → Promise (resolves once the window is open)
     options   the "razorpay" object from POST /api/checkout or POST /api/orders/{id}/pay
     scriptUrl defaults to <body data-razorpay-js="…"> (Razorpay's checkout.js, or the sandbox's)
     hooks     optional: onStatus(text) for progress, onFailed(error) after a failed attempt is
               recorded, onDismiss() instead of going to the order page when the buyer closes the window
   Success → POST /api/payments/razorpay/verify, clear the cart on 200, go to /orders/{orderId}.
   payment.failed → POST /api/payments/razorpay/failed (the window stays open for another try).
   Closed → /orders/{orderId}, where the buyer can try again.

   GallaPay.openRazorpaySubscription(subscriptionId, options, scriptUrl?, hooks?) → the same for a
   subscription's mandate: options from POST /api/subscriptions (they carry a Razorpay subscription_id,
   no order_id); success → POST /api/subscriptions/razorpay/verify, then /subscriptions/{subscriptionId}
   (also where closing the window goes). A failed attempt is only announced: the window stays open. */
(() => {
  'use strict';

  const ACCENT = '#a63d1f'; // the shop's terracotta, so Razorpay's window matches the page
  const LOAD_TIMEOUT_MS = 20000;
  const loads = new Map(); // script URL → Promise

  class PaymentWindowError extends Error {
    constructor(message) {
      super(message);
      this.name = 'PaymentWindowError';
    }
  }

  /** Load checkout.js once; a failed load can be tried again. */
  function loadCheckoutScript(url) {
    if (typeof window.Razorpay === 'function') return Promise.resolve();
    if (!url) return Promise.reject(new PaymentWindowError('The payment window is not set up on this page.'));
    if (loads.has(url)) return loads.get(url);
    const promise = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = url;
      script.async = true;
      const fail = () => {
        clearTimeout(timer);
        script.remove();
        loads.delete(url);
        reject(new PaymentWindowError(
          "The payment window couldn't load. Check your internet connection and try again."));
      };
      const timer = setTimeout(fail, LOAD_TIMEOUT_MS);
      script.addEventListener('load', () => {
        clearTimeout(timer);
        if (typeof window.Razorpay === 'function') resolve();
        else fail();
      });
      script.addEventListener('error', fail);
      document.head.append(script);
    });
    loads.set(url, promise);
    return promise;
  }

  function postJson(url, body, { keepalive = false } = {}) {
    return fetch(url, {
      method: 'POST', keepalive, credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
  }

  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** checkout.js's error, trimmed to what the server keeps (strings capped, metadata as an object). */
  function failureReport(error) {
    const limits = { code: 100, description: 500, source: 100, step: 100, reason: 100, field: 100 };
    const report = {};
    for (const [name, max] of Object.entries(limits)) {
      const value = error && error[name];
      if (value !== undefined && value !== null) report[name] = String(value).slice(0, max);
    }
    const metadata = error && error.metadata;
    if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
      report.metadata = {};
      for (const [name, value] of Object.entries(metadata)) {
        if (value !== undefined && value !== null) report.metadata[name] = String(value).slice(0, 200);
      }
    }
    return report;
  }

  /** A calm full-page note while we confirm a payment (the buyer should not click away). */
  function showConfirming(text) {
    let overlay = document.querySelector('[data-pay-overlay]');
    if (!overlay) {
      overlay = document.createElement('div');
      overlay.className = 'pay-overlay';
      overlay.dataset.payOverlay = '';
      overlay.dataset.testid = 'pay-overlay';
      overlay.setAttribute('role', 'status');
      overlay.setAttribute('aria-live', 'assertive');
      const card = document.createElement('div');
      card.className = 'pay-overlay__card';
      const spinner = document.createElement('span');
      spinner.className = 'spinner';
      spinner.setAttribute('aria-hidden', 'true');
      const message = document.createElement('p');
      message.className = 'pay-overlay__text';
      card.append(spinner, message);
      overlay.append(card);
      document.body.append(overlay);
    }
    overlay.querySelector('.pay-overlay__text').textContent = text;
    return overlay;
  }

  /** Tell the server what the window reported; a lost answer is tried again (confirming twice changes nothing). */
  async function report(url, body) {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const response = await postJson(url, body, { keepalive: true });
        return response.status;
      } catch {
        await wait(800 * (attempt + 1));
      }
    }
    return 0;
  }

  function openRazorpay(orderId, options, scriptUrl, hooks = {}) {
    return openWindow({
      page: `/orders/${encodeURIComponent(orderId)}`,
      ready: Boolean(options && options.key && options.order_id),
      verify: (resp) => report('/api/payments/razorpay/verify', {
        order_id: orderId,
        razorpay_order_id: resp && resp.razorpay_order_id,
        razorpay_payment_id: resp && resp.razorpay_payment_id,
        razorpay_signature: resp && resp.razorpay_signature,
      }),
      verified: () => { if (window.GallaCart) window.GallaCart.clear(); },
      failed: (error) => postJson('/api/payments/razorpay/failed',
                                  { order_id: orderId, error: failureReport(error) }, { keepalive: true }),
    }, options, scriptUrl, hooks);
  }

  function openRazorpaySubscription(subscriptionId, options, scriptUrl, hooks = {}) {
    return openWindow({
      page: `/subscriptions/${encodeURIComponent(subscriptionId)}`,
      ready: Boolean(options && options.key && options.subscription_id),
      verify: (resp) => report('/api/subscriptions/razorpay/verify', {
        subscription_id: subscriptionId,
        razorpay_payment_id: resp && resp.razorpay_payment_id,
        razorpay_subscription_id: resp && resp.razorpay_subscription_id,
        razorpay_signature: resp && resp.razorpay_signature,
      }),
      verified: () => {},
      failed: () => Promise.resolve(),
    }, options, scriptUrl, hooks);
  }

  /** Open checkout.js for one of our orders or subscriptions (target says which: its page, how to verify). */
  async function openWindow(target, options, scriptUrl, hooks) {
    const status = (text) => { if (typeof hooks.onStatus === 'function') hooks.onStatus(text); };
    if (!target.ready) {
      throw new PaymentWindowError("We couldn't start the payment. Please refresh the page and try again.");
    }

    status('Opening the secure payment window…');
    await loadCheckoutScript(scriptUrl || document.body.dataset.razorpayJs);

    let settled = false; // paid: a later dismiss means nothing
    let failureReported = Promise.resolve();

    const handler = async (resp) => {
      if (settled) return;
      settled = true;
      showConfirming('Payment received. Confirming it with your bank…');
      status('Confirming your payment…');
      const code = await target.verify(resp);
      if (code === 200) target.verified();
      window.location.assign(target.page);
    };

    const ondismiss = async () => {
      if (settled) return;
      // Let the report of a failed attempt land first, so the page already lists it.
      await Promise.race([failureReported, wait(2000)]);
      status('');
      if (typeof hooks.onDismiss === 'function') hooks.onDismiss();
      else window.location.assign(target.page);
    };

    let rzp;
    try {
      rzp = new window.Razorpay({
        ...options,
        handler,
        modal: { ...(options.modal || {}), ondismiss },
        theme: { ...(options.theme || {}), color: ACCENT },
      });
    } catch (error) {
      console.error('Razorpay checkout could not start', error);
      throw new PaymentWindowError("The payment window couldn't open. Please try again in a moment.");
    }

    rzp.on('payment.failed', (response) => {
      const error = (response && response.error) || {};
      failureReported = target.failed(error)
        .catch(() => null)
        .then(() => { if (typeof hooks.onFailed === 'function') hooks.onFailed(error); });
      if (window.Galla) {
        window.Galla.announce(`Payment failed${error.description ? `: ${error.description}` : ''}. You can try again in the payment window.`);
      }
    });

    rzp.open();
    status('Payment window open.');
    return rzp;
  }

  /** Go to Stripe's hosted payment page; only an http(s) address from our server is followed. */
  function goToStripe(stripe, hooks = {}) {
    let target = null;
    try {
      target = stripe && stripe.url ? new URL(stripe.url, window.location.href) : null;
    } catch {
      target = null;
    }
    if (!target || (target.protocol !== 'https:' && target.protocol !== 'http:')) {
      throw new PaymentWindowError("We couldn't start the payment. Please refresh the page and try again.");
    }
    if (typeof hooks.onStatus === 'function') hooks.onStatus("Taking you to Stripe's secure payment page…");
    window.location.assign(target.href);
    return target.href;
  }

  window.GallaPay = Object.freeze({ openRazorpay, openRazorpaySubscription, goToStripe, loadCheckoutScript, PaymentWindowError, ACCENT });
})();
