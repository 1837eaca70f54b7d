/* Checkout page: the order summary, the buyer's details, POST /api/checkout, then Razorpay's window.
   (Named shop-checkout.js so it is never confused with Razorpay's own checkout.js.) */
(() => {
  'use strict';

  const { h, formatMoney, readJson, request, apiError, announce } = window.Galla;
  const cart = window.GallaCart;
  const products = readJson('products-data', []);

  const form = document.querySelector('[data-checkout-form]');
  const payButton = form.querySelector('[data-pay-button]');
  const payLabel = form.querySelector('[data-pay-label]');
  const formError = form.querySelector('[data-form-error]');
  const formStatus = form.querySelector('[data-form-status]');
  const summary = document.querySelector('[data-testid="order-summary"]');
  const summaryLines = summary.querySelector('[data-summary-lines]');

  const IDEMPOTENCY_STORE = 'galla.checkout.idempotency';
  let working = false;
  let placed = null; // {fingerprint, order_id, razorpay}: an order made here whose window did not open
  let current = { lines: [], total: 0 };

  /* ---------- summary ---------- */

  function renderSummary() {
    current = cart.priced(products);
    summaryLines.replaceChildren(...current.lines.map((line, index) => h('li', {
      class: 'summary-line', 'data-testid': 'summary-line', 'data-field': `items[${index}]`,
    },
      h('img', { class: 'summary-line__image', src: line.product.image, alt: '', width: 56, height: 42 }),
      h('div', { class: 'summary-line__text' },
        h('span', { class: 'summary-line__name' }, line.product.name),
        h('span', { class: 'summary-line__qty' }, `Qty ${line.quantity} × ${formatMoney(line.unit, 'INR')}`),
        h('span', { class: 'field__error', 'data-error': true, hidden: true })),
      h('span', { class: 'summary-line__amount' }, formatMoney(line.amount, 'INR')))));
    const hasLines = current.lines.length > 0;
    summary.querySelector('[data-summary-loading]')?.remove();
    summary.querySelector('[data-summary-totals]').hidden = !hasLines;
    summary.querySelector('[data-summary-total]').textContent = formatMoney(current.total, 'INR');
    summary.querySelector('[data-summary-empty]').hidden = hasLines;
    if (!working) setButton(hasLines ? 'ready' : 'empty');
  }

  function setButton(state) {
    const total = formatMoney(current.total, 'INR');
    const labels = {
      ready: `Pay ${total}`,
      empty: 'Your cart is empty',
      placing: 'Placing your order…',
      opening: 'Opening payment window…',
      open: 'Payment window open',
      reopen: `Pay ${total}`,
    };
    payLabel.textContent = labels[state] || labels.ready;
    const busy = state === 'placing' || state === 'opening' || state === 'open';
    payButton.disabled = busy || state === 'empty';
    payButton.setAttribute('aria-busy', String(busy));
    payButton.classList.toggle('is-busy', busy);
  }

  /* ---------- errors next to their fields ---------- */

  function clearErrors() {
    formError.hidden = true;
    formError.replaceChildren();
    document.querySelectorAll('[data-field].has-error').forEach((box) => {
      box.classList.remove('has-error');
      const message = box.querySelector('[data-error]');
      if (message) { message.hidden = true; message.textContent = ''; }
      box.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
    });
  }

  /** "items[0].quantity" → ["items[0].quantity", "items[0]", "items"]: the most precise box wins. */
  function candidates(field) {
    const names = [];
    let name = String(field || '');
    while (name) {
      names.push(name);
      const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('['));
      name = cut > 0 ? name.slice(0, cut) : '';
    }
    return names;
  }

  function findBox(field) {
    for (const name of candidates(field)) {
      const box = document.querySelector(`[data-field="${CSS.escape(name)}"]`);
      if (box && box.querySelector('[data-error]')) return box;
    }
    return null;
  }

  function showError(error, { focus = true } = {}) {
    const box = error.field ? findBox(error.field) : null;
    // The API names the field in its message too ("customer.phone: is not a valid phone number");
    // next to the field itself that prefix is noise.
    const prefix = `${error.field}: `;
    const raw = box && String(error.message || '').startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    const message = sentence(raw);
    if (box) {
      box.classList.add('has-error');
      const slot = box.querySelector('[data-error]');
      slot.textContent = message;
      slot.hidden = false;
      const input = box.querySelector('input, select');
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        if (focus) input.focus();
      } else if (focus) {
        box.scrollIntoView({ block: 'center', behavior: 'smooth' });
      }
      announce(message);
    } else {
      showFormError(message, focus);
    }
  }

  function showFormError(message, focus = true, ...extra) {
    formError.replaceChildren(h('p', {}, message), ...extra);
    formError.hidden = false;
    if (focus) formError.focus();
  }

  /** Server messages are lower-case fragments ("is not a valid phone number"); make them read well. */
  function sentence(text) {
    const s = String(text || 'Please check this.').trim();
    const first = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?]$/.test(first) ? first : `${first}.`;
  }

  /* ---------- the request ---------- */

  function readForm() {
    const data = new FormData(form);
    const value = (name) => String(data.get(name) || '').trim();
    return {
      items: current.lines.map((line) => ({ product_id: line.product_id, quantity: line.quantity })),
      customer: { name: value('name'), email: value('email'), phone: value('phone') },
      country: value('country') || 'IN',
    };
  }

  /** Obvious gaps, caught before a round trip; the server checks everything properly. */
  function missingFields(body) {
    const errors = [];
    if (!body.customer.name) errors.push({ field: 'customer.name', message: 'Please enter your name' });
    if (!body.customer.email) errors.push({ field: 'customer.email', message: 'Please enter your email address' });
    else if (!/^[^\s@]+@[^\s@]+$/.test(body.customer.email)) {
      errors.push({ field: 'customer.email', message: 'Please enter an email address like name@example.com' });
    }
    if (!body.customer.phone) errors.push({ field: 'customer.phone', message: 'Please enter your mobile number' });
    return errors;
  }

  // One key per cart and details, kept until the order exists: a double submit, a reload or a retry
  // after a lost answer all get the same order back instead of a second one.
  function idempotencyKey(fingerprint) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(IDEMPOTENCY_STORE) || 'null');
      if (saved && saved.fingerprint === fingerprint && saved.key) return saved.key;
    } catch { /* unreadable: make a new one */ }
    const key = newKey();
    try {
      sessionStorage.setItem(IDEMPOTENCY_STORE, JSON.stringify({ fingerprint, key }));
    } catch { /* no sessionStorage: the key still covers retries from this page */ }
    return key;
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function forgetKey() {
    try { sessionStorage.removeItem(IDEMPOTENCY_STORE); } catch { /* nothing kept */ }
  }

  async function placeOrder(body, key) {
    // 409 request_in_progress: our first request with this key is still running; ask again shortly.
    for (let attempt = 0; ; attempt += 1) {
      const result = await request('POST', '/api/checkout', { json: body, headers: { 'Idempotency-Key': key } });
      const error = result.ok ? null : apiError(result);
      if (result.status === 409 && error.code === 'request_in_progress' && attempt < 4) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      return { result, error };
    }
  }

  async function openWindow(order) {
    setButton('opening');
    try {
      await window.GallaPay.openRazorpay(order.order_id, order.razorpay, undefined, {
        onStatus: (text) => { formStatus.textContent = text; },
      });
      setButton('open');
    } catch (error) {
      working = false;
      setButton('reopen');
      formStatus.textContent = '';
      const link = h('p', {}, 'Your order is saved. ',
        h('a', { href: `/orders/${encodeURIComponent(order.order_id)}` }, 'Go to your order'),
        ' to pay for it later.');
      showFormError(error.message || "The payment window couldn't open.", true, link);
    }
  }

  async function submit(event) {
    event.preventDefault();
    if (working) return;
    clearErrors();
    renderSummary();
    const body = readForm();
    if (!body.items.length) {
      showFormError('Your cart is empty. Add something from the shop first.');
      return;
    }
    const missing = missingFields(body);
    if (missing.length) {
      missing.forEach((error, i) => showError(error, { focus: i === 0 }));
      return;
    }

    const fingerprint = JSON.stringify(body);
    if (placed && placed.fingerprint === fingerprint) {
      // The order exists and only its window failed to open: open it again, no second order.
      working = true;
      await openWindow(placed);
      return;
    }

    working = true;
    setButton('placing');
    formStatus.textContent = 'Placing your order…';
    try {
      const { result, error } = await placeOrder(body, idempotencyKey(fingerprint));
      if (error) {
        working = false;
        setButton('ready');
        formStatus.textContent = '';
        showError(error);
        return;
      }
      const order = result.data || {};
      forgetKey();
      if (order.status && order.status !== 'pending') {
        // A replayed order that has moved on (paid from another tab, say): show it, don't pay twice.
        window.location.assign(`/orders/${encodeURIComponent(order.order_id)}`);
      } else if (order.razorpay) {
        placed = { fingerprint, order_id: order.order_id, razorpay: order.razorpay };
        await openWindow(placed);
      } else if (order.stripe && order.stripe.url) {
        formStatus.textContent = 'Taking you to the secure payment page…';
        window.location.assign(order.stripe.url);
      } else {
        window.location.assign(`/orders/${encodeURIComponent(order.order_id)}`);
      }
    } catch (error) {
      // No answer: the key stays, so pressing Pay again returns the order if it was made.
      working = false;
      setButton('ready');
      formStatus.textContent = '';
      showFormError(error && error.name === 'NetworkError'
        ? error.message
        : 'Something went wrong. Please try again.');
    }
  }

  form.addEventListener('submit', submit);
  // Editing a field takes its error away: the buyer is fixing it.
  form.addEventListener('input', (event) => {
    const box = event.target.closest('[data-field].has-error');
    if (!box) return;
    box.classList.remove('has-error');
    event.target.removeAttribute('aria-invalid');
    const slot = box.querySelector('[data-error]');
    if (slot) { slot.hidden = true; slot.textContent = ''; }
  });
  window.addEventListener('galla:cart', () => { if (!working) renderSummary(); });
  // Back from the order page (bfcache): the page may still say "Payment window open".
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    working = false;
    placed = null;
    renderSummary();
  });

  cart.dropUnavailable(products);
  renderSummary();
})();
