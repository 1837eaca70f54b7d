/* Order page: keeps the status, the failed attempts and the pay button up to date without a reload,
   and opens Razorpay's window again for "Pay now" / "Try again".

   Polls GET /api/orders/{id} every 2 s while the order is pending (for 10 minutes) or authorized;
   pauses while the tab is hidden and picks up again when it is visible. */
(() => {
  'use strict';

  const { h, readJson, request, apiError, announce, formatTime, localiseTimes } = window.Galla;

  const POLL_MS = 2000;
  const MAX_BACKOFF_MS = 15000;
  const PENDING_WINDOW_MS = 10 * 60 * 1000;
  const RECEIPT_STATUSES = new Set(['paid', 'partially_refunded', 'refunded']);

  let order = readJson('order-data');
  if (!order || !order.order_id) return;
  const methods = readJson('method-labels', {});
  const apiUrl = `/api/orders/${encodeURIComponent(order.order_id)}`;

  const card = document.querySelector('[data-status-card]');
  const block = card.querySelector('[data-status-block]');
  const payButton = card.querySelector('[data-pay-button]');
  const printButton = card.querySelector('[data-print]');
  const shopAgain = card.querySelector('[data-testid="shop-again"]');
  const payError = card.querySelector('[data-pay-error]');
  const payStatus = card.querySelector('[data-pay-status]');
  const pollNote = card.querySelector('[data-poll-note]');
  const attemptsSection = document.querySelector('[data-attempts-section]');
  const attemptsList = document.querySelector('[data-attempts]');

  let pendingSince = Date.now(); // the 10-minute window for a pending order starts now, or at a new try
  let timer = null;
  let inFlight = false;
  let failures = 0;
  let paying = false;

  const methodLabel = (method) => (method ? methods[method] || method.replace(/_/g, ' ') : '');

  /* ---------- rendering ---------- */

  function renderStatus(next, previous) {
    if (previous && next.status === previous.status) {
      fillSlots(next);
      return;
    }
    const template = document.querySelector(`template[data-status-template="${CSS.escape(next.status)}"]`);
    if (template) {
      block.replaceChildren(template.content.cloneNode(true));
    } else {
      block.replaceChildren(h('div', { class: 'status-card__text' },
        h('h1', { class: 'status-card__title' }, next.status_label || next.status)));
    }
    block.dataset.status = next.status;
    card.className = card.className.replace(/\bstatus-card--\S+/g, '').trim() + ` status-card--${next.status}`;
    fillSlots(next);
  }

  function fillSlots(next) {
    const paidBy = block.querySelector('[data-slot="paid-by"]');
    if (paidBy) paidBy.textContent = next.payment && next.payment.method ? ` by ${methodLabel(next.payment.method)}` : '';
  }

  function renderActions(next) {
    const busy = paying;
    payButton.hidden = !next.can_pay;
    if (!busy) payButton.textContent = next.attempts && next.attempts.length ? 'Try again' : 'Pay now';
    printButton.hidden = !RECEIPT_STATUSES.has(next.status);
    shopAgain.hidden = next.status !== 'expired';
    if (!next.can_pay) payError.hidden = true;
  }

  function attemptItem(attempt) {
    const what = `${attempt.method ? `${methodLabel(attempt.method)} payment failed` : 'Payment failed'}: ${
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

  function apply(next) {
    const previous = order;
    order = next;
    renderStatus(next, previous);
    renderActions(next);
    const before = (previous.attempts || []).length;
    const after = (next.attempts || []).length;
    if (after !== before || next.status !== previous.status) renderAttempts(next);
    renderPayment(next);
    // The status region announces itself (aria-live); a new failed attempt is announced here.
    if (next.status === previous.status && after > before) {
      const latest = next.attempts[after - 1];
      announce(`Payment attempt failed${latest.description ? `: ${latest.description}` : ''}. You can try again.`);
    }
    schedule();
  }

  /* ---------- polling ---------- */

  function wantsPolling() {
    if (order.status === 'authorized') return true;
    return order.status === 'pending' && Date.now() - pendingSince < PENDING_WINDOW_MS;
  }

  function schedule(delay = POLL_MS) {
    clearTimeout(timer);
    timer = null;
    const polling = wantsPolling();
    pollNote.hidden = polling || order.status !== 'pending';
    if (!polling || document.hidden) return;
    timer = setTimeout(refresh, delay);
  }

  async function refresh() {
    clearTimeout(timer);
    timer = null;
    if (inFlight) return;
    inFlight = true;
    try {
      const result = await request('GET', apiUrl, { timeoutMs: 10000 });
      if (result.ok && result.data && result.data.status) {
        failures = 0;
        apply(result.data);
        return;
      }
      if (result.status === 404) return; // the order is gone: nothing more to watch
      failures += 1;
    } catch {
      failures += 1;
    } finally {
      inFlight = false;
    }
    schedule(Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** failures));
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
    payButton.textContent = 'Opening…';
    pendingSince = Date.now();
    const done = () => {
      paying = false;
      payButton.disabled = false;
      payButton.removeAttribute('aria-busy');
      payButton.textContent = label;
      renderActions(order);
    };
    try {
      const result = await request('POST', `${apiUrl}/pay`);
      if (!result.ok || !result.data || !result.data.razorpay) {
        const error = apiError(result);
        showPayError(error.message ? sentence(error.message) : "We couldn't start the payment. Please try again.");
        done();
        refresh(); // the order may have moved on (paid in another tab, expired)
        return;
      }
      await window.GallaPay.openRazorpay(result.data.order_id || order.order_id, result.data.razorpay, undefined, {
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

  function sentence(text) {
    const s = String(text).trim();
    const first = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?]$/.test(first) ? first : `${first}.`;
  }

  payButton.addEventListener('click', pay);
  printButton.addEventListener('click', () => window.print());

  // Server-rendered attempts get the same local times as the ones rendered here.
  localiseTimes(document);
  fillSlots(order);
  renderActions(order);
  schedule();
})();
