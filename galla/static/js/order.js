/* Order page: keeps the status, the failed attempts and the pay button up to date without a reload,
   and starts another payment for "Pay now" / "Try again": Razorpay's window again, or Stripe's hosted
   page for orders paid through Stripe.

   Polls GET /api/orders/{id} every 2 s while the order is pending (for 10 minutes) or authorized;
   pauses while the tab is hidden and picks up again when it is visible.

   Back from Stripe (?session_id=cs_…): the server has already asked Stripe once to render this page; if
   the order is still pending, the page says it is waiting for Stripe and asks again through
   GET /api/orders/{id}?session_id=… every second for a short while, until the order is paid or settles
   otherwise, then falls back to the plain polling above. Back from Stripe's cancel link (?cancelled=1):
   nothing to confirm; the button offers "Try again".

   The session id then leaves the address bar (history.replaceState): it is this page's to use, not a
   link to bookmark or share. sessionStorage keeps it for this tab, so a reload still confirms with Stripe. */
(() => {
  'use strict';

  const { h, readJson, request, apiError, announce, formatTime, localiseTimes, sentence, gatewayName } = window.Galla;

  const POLL_MS = 2000;
  const MAX_BACKOFF_MS = 15000;
  const PENDING_WINDOW_MS = 10 * 60 * 1000;
  const RETURN_POLL_MS = 1000;
  const RETURN_WINDOW_MS = 20 * 1000;
  const RECEIPT_STATUSES = new Set(['paid', 'partially_refunded', 'refunded']);
  const IDEMPOTENCY_STORE = 'galla.checkout.idempotency'; // shop-checkout.js keeps a Stripe order's key here
  const RETURN_STORE = 'galla.stripe.return'; // {order_id, session_id}: the Stripe return this tab came back with

  let order = readJson('order-data');
  if (!order || !order.order_id) return;
  const methods = readJson('method-labels', {});
  const apiUrl = `/api/orders/${encodeURIComponent(order.order_id)}`;
  const query = new URLSearchParams(window.location.search);
  const sessionId = query.get('session_id') || rememberedSession(order);
  if (query.has('session_id')) tidyAddress(query);
  const cancelled = query.has('cancelled');

  const card = document.querySelector('[data-status-card]');
  const block = card.querySelector('[data-status-block]');
  const payButton = card.querySelector('[data-pay-button]');
  const payWhere = card.querySelector('[data-pay-where]');
  const printButton = card.querySelector('[data-print]');
  const shopAgain = card.querySelector('[data-testid="shop-again"]');
  const payError = card.querySelector('[data-pay-error]');
  const payStatus = card.querySelector('[data-pay-status]');
  const pollNote = card.querySelector('[data-poll-note]');
  const notice = document.querySelector('[data-return-notice]');
  const attemptsSection = document.querySelector('[data-attempts-section]');
  const attemptsList = document.querySelector('[data-attempts]');

  let pendingSince = Date.now(); // the 10-minute window for a pending order starts now, or at a new try
  let timer = null;
  let inFlight = false;
  let failures = 0;
  let paying = false;
  // Asking Stripe about the session the buyer came back with: only while the order is pending, and not
  // when the server already refused that session (its notice is an error).
  let confirming = Boolean(sessionId) && order.status === 'pending' && notice?.dataset.noticeKind !== 'error';
  const confirmingSince = Date.now();
  let shownView = block.dataset.status;

  /** The session this tab came back from Stripe with for this order, while the order waits for payment. */
  function rememberedSession(current) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(RETURN_STORE) || 'null');
      if (saved && saved.order_id === current.order_id && current.status === 'pending') return saved.session_id;
    } catch { /* nothing kept */ }
    return null;
  }

  /** Keep the session id for a reload, and take it out of the address bar. */
  function tidyAddress(params) {
    try {
      sessionStorage.setItem(RETURN_STORE, JSON.stringify({ order_id: order.order_id, session_id: params.get('session_id') }));
    } catch { /* no sessionStorage: a reload shows the order as the server has it */ }
    params.delete('session_id');
    const rest = params.toString();
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`);
  }

  // As galla/payments/labels.py:method_label words a method it has no label for (bank_transfer → Bank transfer).
  const spell = (method) => method.charAt(0).toUpperCase() + method.slice(1).toLowerCase().replace(/_/g, ' ');
  const methodLabel = (method) => (method ? methods[method] || spell(method) : '');
  const viewOf = (next) => (confirming && next.status === 'pending' ? 'confirming' : next.status);

  /* ---------- rendering ---------- */

  function renderStatus(next) {
    const view = viewOf(next);
    if (view === shownView) {
      fillSlots(next);
      return;
    }
    const template = document.querySelector(`template[data-status-template="${CSS.escape(view)}"]`);
    if (template) {
      block.replaceChildren(template.content.cloneNode(true));
    } else {
      block.replaceChildren(h('div', { class: 'status-card__text' },
        h('h1', { class: 'status-card__title' }, next.status_label || next.status)));
    }
    shownView = view;
    block.dataset.status = next.status;
    block.dataset.view = view;
    card.className = card.className.replace(/\bstatus-card--\S+/g, '').trim() + ` status-card--${view}`;
    fillSlots(next);
  }

  function fillSlots(next) {
    const paidBy = block.querySelector('[data-slot="paid-by"]');
    if (paidBy) paidBy.textContent = next.payment && next.payment.method ? ` by ${methodLabel(next.payment.method)}` : '';
  }

  function payLabel(next) {
    return (next.attempts && next.attempts.length) || cancelled || (sessionId && !confirming) ? 'Try again' : 'Pay now';
  }

  function renderActions(next) {
    // While Stripe is being asked about a payment the buyer just made, paying again is not offered.
    payButton.hidden = !next.can_pay || (confirming && next.status === 'pending');
    if (payWhere) payWhere.hidden = payButton.hidden;
    if (!paying) payButton.textContent = payLabel(next);
    printButton.hidden = !RECEIPT_STATUSES.has(next.status);
    shopAgain.hidden = next.status !== 'expired';
    if (!next.can_pay) payError.hidden = true;
  }

  function attemptItem(attempt) {
    // A payment Razorpay authorised late and gave back by itself (AUTO_REFUNDED) is said to be refunded, not failed.
    const ending = attempt.code === 'AUTO_REFUNDED' ? 'refunded automatically' : 'failed';
    const what = `${attempt.method ? `${methodLabel(attempt.method)} payment ${ending}` : `Payment ${ending}`}: ${
      attempt.description || `the payment did not go through${attempt.code ? ` (${attempt.code})` : ''}`}`;
    return h('li', { class: 'attempt' },
      h('span', { class: 'attempt__what' }, what),
      attempt.at ? h('span', { class: 'attempt__when' }, 'at ',
        h('time', { datetime: attempt.at, 'data-local': 'short' }, formatTime(attempt.at))) : null);
  }

  function renderAttempts(next) {
    const attempts = next.attempts || [];
    // Once the order is paid, earlier failures are history: the page is a receipt now.
    attemptsSection.hidden = attempts.length === 0 || RECEIPT_STATUSES.has(next.status);
    attemptsList.replaceChildren(...attempts.slice().reverse().map(attemptItem));
  }

  function renderPayment(next) {
    const row = document.querySelector('[data-payment-row]');
    if (!row) return;
    row.hidden = !next.payment;
    row.querySelector('[data-payment-method]').textContent = next.payment ? methodLabel(next.payment.method) : '';
    row.querySelector('[data-payment-id]').textContent = next.payment ? next.payment.id || '' : '';
  }

  /** Show (or with no text, hide) the note about the buyer's return from the payment page. */
  function setNotice(kind, text) {
    if (!notice) return;
    if (!text) {
      notice.hidden = true;
      return;
    }
    const tone = { error: 'warn', warning: 'warn', success: 'success' }[kind] || 'info';
    notice.className = `notice notice--${tone}`;
    notice.dataset.noticeKind = kind;
    notice.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    notice.querySelector('[data-notice-text]').textContent = text;
    notice.hidden = false;
  }

  function apply(next) {
    const previous = order;
    order = next;
    if (confirming && next.status !== 'pending') confirming = false;
    renderStatus(next);
    renderActions(next);
    const before = (previous.attempts || []).length;
    const after = (next.attempts || []).length;
    if (after !== before || next.status !== previous.status) renderAttempts(next);
    renderPayment(next);
    if (next.status !== previous.status) settled(next, previous);
    if (RECEIPT_STATUSES.has(next.status) && !RECEIPT_STATUSES.has(previous.status)) showReceipt();
    // The status region announces itself (aria-live); a new failed attempt is announced here.
    if (next.status === previous.status && after > before) {
      const latest = next.attempts[after - 1];
      announce(`Payment attempt failed${latest.description ? `: ${latest.description}` : ''}. You can try again.`);
    }
    schedule();
  }

  /** The order left "pending" while this page was open: update the return note, tidy the checkout. */
  function settled(next, previous) {
    if (previous.status !== 'pending') return;
    if (sessionId && next.status === 'paid') {
      setNotice('success', `${gatewayName(next.gateway)} has confirmed your payment.`);
    } else if (notice && notice.dataset.noticeKind === 'info') {
      setNotice('info', ''); // "you left before paying" / "not confirmed yet" no longer apply
    }
    afterPaid(next);
  }

  /** Paid while this page was open: take the receipt's parts (the shop, the dates in IST, refunds) from
      this page as the server now renders it, rather than building them a second time here. */
  async function showReceipt() {
    try {
      const response = await fetch(window.location.pathname, { headers: { Accept: 'text/html' } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      document.querySelectorAll('[data-receipt-part]').forEach((part) => {
        const next = fresh.querySelector(`[data-receipt-part="${CSS.escape(part.dataset.receiptPart)}"]`);
        if (next) part.replaceWith(document.importNode(next, true));
      });
      document.querySelector('.order-ref')?.classList.add('order-ref--receipt');
    } catch { /* the status above already says paid; a reload shows the full receipt */ }
  }

  /** A paid Stripe return empties the cart (checkout.js's handler does it for Razorpay) and forgets
      the checkout's Idempotency-Key, so the next order with the same cart is a new one. */
  function afterPaid(next) {
    if (next.status === 'pending') return;
    try {
      const back = JSON.parse(sessionStorage.getItem(RETURN_STORE) || 'null');
      if (back && back.order_id === next.order_id) sessionStorage.removeItem(RETURN_STORE);
    } catch { /* nothing kept */ }
    try {
      const saved = JSON.parse(sessionStorage.getItem(IDEMPOTENCY_STORE) || 'null');
      if (saved && saved.order_id === next.order_id) sessionStorage.removeItem(IDEMPOTENCY_STORE);
    } catch { /* nothing kept */ }
    if (sessionId && RECEIPT_STATUSES.has(next.status) && window.GallaCart) window.GallaCart.clear();
  }

  /* ---------- polling ---------- */

  function wantsPolling() {
    if (order.status === 'authorized') return true;
    return order.status === 'pending' && Date.now() - pendingSince < PENDING_WINDOW_MS;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = null;
    if (confirming && Date.now() - confirmingSince >= RETURN_WINDOW_MS) stopConfirming();
    const polling = wantsPolling();
    pollNote.hidden = polling || order.status !== 'pending';
    if (!polling || document.hidden) return;
    timer = setTimeout(refresh, delay ?? (confirming ? RETURN_POLL_MS : POLL_MS));
  }

  /** Stripe has not confirmed in the short window: show the order as pending and let the buyer retry. */
  function stopConfirming(error) {
    if (!confirming) return;
    confirming = false;
    if (error) {
      setNotice('error', sentence(error.message));
    } else {
      setNotice('info', `${gatewayName(order.gateway)} hasn't confirmed a payment for this order yet. If you paid, `
                        + "this page updates by itself; if not, you can try again.");
    }
    renderStatus(order);
    renderActions(order);
  }

  async function refresh() {
    clearTimeout(timer);
    timer = null;
    if (inFlight) return;
    inFlight = true;
    const url = confirming ? `${apiUrl}?session_id=${encodeURIComponent(sessionId)}` : apiUrl;
    try {
      const result = await request('GET', url, { timeoutMs: 10000 });
      if (result.ok && result.data && result.data.status) {
        failures = 0;
        apply(result.data);
        return;
      }
      if (result.status === 404) return; // the order is gone: nothing more to watch
      if (confirming && result.status >= 400 && result.status < 500) {
        // Stripe (through our server) refused this session: say why, and watch the order as usual.
        stopConfirming(apiError(result));
        schedule();
        return;
      }
      failures += 1;
    } catch {
      failures += 1;
    } finally {
      inFlight = false;
    }
    schedule(Math.min(MAX_BACKOFF_MS, (confirming ? RETURN_POLL_MS : POLL_MS) * 2 ** failures));
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (wantsPolling()) {
      refresh();
    }
  });

  card.querySelector('[data-refresh]').addEventListener('click', () => {
    pendingSince = Date.now();
    pollNote.hidden = true;
    refresh();
  });

  /* ---------- paying again ---------- */

  function showPayError(message) {
    payError.replaceChildren(h('p', {}, message));
    payError.hidden = false;
  }

  async function pay() {
    if (paying) return;
    paying = true;
    payError.hidden = true;
    const label = payButton.textContent;
    payButton.disabled = true;
    payButton.setAttribute('aria-busy', 'true');
    payButton.textContent = order.gateway === 'stripe' ? 'Taking you to Stripe…' : 'Opening…';
    pendingSince = Date.now();
    const done = () => {
      paying = false;
      payButton.disabled = false;
      payButton.removeAttribute('aria-busy');
      payButton.textContent = label;
      renderActions(order);
    };
    try {
      // The order's payment options: an open Stripe session (a fresh one if the last expired) or checkout.js's.
      const result = await request('POST', `${apiUrl}/pay`);
      const options = result.ok && result.data ? result.data : null;
      if (options && options.stripe) {
        // Leaving for Stripe: the button stays busy. Back from there (bfcache), pageshow resets it.
        window.GallaPay.goToStripe(options.stripe, { onStatus: (text) => { payStatus.textContent = text; } });
        return;
      }
      if (!options || !options.razorpay) {
        const error = apiError(result);
        showPayError(error.message ? sentence(error.message) : "We couldn't start the payment. Please try again.");
        done();
        refresh(); // the order may have moved on (paid in another tab, expired)
        return;
      }
      await window.GallaPay.openRazorpay(options.order_id || order.order_id, options.razorpay, undefined, {
        onStatus: (text) => { payStatus.textContent = text; },
        onFailed: () => refresh(),
        onDismiss: () => { payStatus.textContent = ''; refresh(); },
      });
      done();
    } catch (error) {
      showPayError(error && error.message ? error.message : "We couldn't start the payment. Please try again.");
      payStatus.textContent = '';
      done();
    }
  }

  payButton.addEventListener('click', pay);
  printButton.addEventListener('click', () => window.print());

  // Back from Stripe's page with the Back button: this page comes from the bfcache as it was left.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    if (paying) {
      paying = false;
      payButton.disabled = false;
      payButton.removeAttribute('aria-busy');
      payStatus.textContent = '';
    }
    pendingSince = Date.now();
    renderActions(order);
    refresh();
  });

  // Server-rendered attempts get the same local times as the ones rendered here.
  localiseTimes(document);
  renderStatus(order);
  fillSlots(order);
  renderActions(order);
  afterPaid(order);
  // While the page says "Waiting for Stripe to confirm…", the server's "not confirmed yet" note would only
  // repeat it; it comes back if the short wait ends without an answer.
  if (confirming && notice && notice.dataset.noticeKind === 'info') setNotice('info', '');
  if (sessionId && RECEIPT_STATUSES.has(order.status)) {
    announce(`Payment confirmed. Order ${order.order_id} is ${order.status_label || order.status}.`);
  }
  // Just back from Stripe: the server asked Stripe a moment ago, so the first check waits a little.
  schedule(confirming ? RETURN_POLL_MS : POLL_MS);
})();
