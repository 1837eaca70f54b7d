/* Checkout page: the order summary priced by the server, the buyer's details, POST /api/checkout, then
   Razorpay's window or Stripe's hosted page. (Named shop-checkout.js so it is never confused with
   Razorpay's own checkout.js.)

   The page holds no routing rule and no prices of its own: whenever the cart, the country or the
   "Pay with" choice changes it asks POST /api/checkout/quote, and shows the lines, the total, the
   currency and the button the answer names (gateway "razorpay" → checkout.js window here, "stripe" →
   Stripe Checkout). A quote error (amount_too_small, not_for_sale, …) is shown by the field it names
   and keeps Pay disabled until the next quote is good. */
(() => {
  'use strict';

  const { h, formatMoney, readJson, request, apiError, announce, sentence, gatewayName } = window.Galla;
  const { brokenRule } = window.GallaFieldRules;
  const cart = window.GallaCart;
  const products = readJson('products-data', []);
  const addressFormats = readJson('address-formats', {});
  const firstRules = readJson('field-rules', {});
  // Country → a promise of its form's rules; the page is drawn with one country's.
  const rulesByCountry = new Map(firstRules.rules ? [[firstRules.country, Promise.resolve(firstRules.rules)]] : []);
  const productsById = new Map(products.map((p) => [p.id, p]));

  const form = document.querySelector('[data-checkout-form]');
  const payButton = form.querySelector('[data-pay-button]');
  const payLabel = form.querySelector('[data-pay-label]');
  const payNote = form.querySelector('[data-pay-note]');
  const phoneHint = form.querySelector('[data-phone-hint]');
  const phoneInput = form.querySelector('input[name="phone"]');
  const formError = form.querySelector('[data-form-error]');
  const formStatus = form.querySelector('[data-form-status]');
  const countrySelect = form.querySelector('select[name="country"]');
  const payWith = form.querySelector('[data-pay-with]');
  const address = form.querySelector('[data-address]');
  const stateSelect = address.querySelector('[data-state-select]');
  const stateText = address.querySelector('[data-state-text]');
  const postalField = address.querySelector('[data-postal-field]');
  const postalInput = postalField.querySelector('input');
  const summary = document.querySelector('[data-testid="order-summary"]');
  const summaryLines = summary.querySelector('[data-summary-lines]');
  const totals = summary.querySelector('[data-summary-totals]');
  const totalNode = summary.querySelector('[data-summary-total]');
  const routeNode = summary.querySelector('[data-summary-route]');
  const retryButton = summary.querySelector('[data-quote-retry]');

  const IDEMPOTENCY_STORE = 'galla.checkout.idempotency';
  const QUOTE_DEBOUNCE_MS = 120;
  const NOTES = {
    none: 'Payments are made with Razorpay or Stripe. We never see your card number or UPI PIN.',
    razorpay: 'Razorpay opens a secure window for UPI, cards and netbanking. We never see your card number or UPI PIN.',
    stripe: "Next you'll enter your card on Stripe's secure payment page, then come back here. We never see your card number.",
  };
  const PHONE_HINTS = { razorpay: 'For UPI and delivery updates.', stripe: 'For delivery updates about this order.' };

  let working = false;
  let placed = null; // {fingerprint, order_id, razorpay}: an order made here whose window did not open
  let failedOver = null; // {fingerprint, order}: an order Razorpay could not take, waiting for the buyer's go
  let lines = []; // the cart's lines this page can show: [{product_id, quantity, product}]
  let quote = null; // the server's answer for quoteFor, or null while asking / after an error
  let quoteFor = ''; // JSON of the quote request the current quote (or question) is about
  let quoteSeq = 0; // answers to superseded questions are dropped
  let quoteTimer = null;
  let lastQuoteError = null; // {code, message, field} from the last quote, shown by its field
  let addressCountry = 'IN'; // the country whose format the address fields show (the page is drawn for India)

  /* ---------- what the buyer is asking for ---------- */

  function country() {
    return countrySelect.value || 'IN';
  }

  function internationalCard() {
    if (payWith.hidden) return false;
    const chosen = form.querySelector('input[name="pay_with"]:checked');
    return Boolean(chosen && chosen.value === 'international_card');
  }

  function quoteRequest() {
    return {
      items: lines.map((line) => ({ product_id: line.product_id, quantity: line.quantity })),
      country: country(),
      international_card: internationalCard(),
    };
  }

  /* ---------- the delivery address, in the country's format ---------- */

  /** What the chosen country's address needs (GET /checkout's #address-formats; "default" for the rest). */
  function addressFormat() {
    return addressFormats[country()] || addressFormats.default || {};
  }

  /** Relabel the address fields for a new country: PIN code and the list of states for India, its own
      names elsewhere, the postal code hidden where the country has none. What the buyer typed stays. */
  function renderAddressFormat() {
    if (country() === addressCountry) return;
    addressCountry = country();
    const format = addressFormat();
    address.querySelector('[data-postal-label]').textContent = format.postal_label || 'Postal code';
    address.querySelector('[data-postal-optional]').hidden = Boolean(format.postal_required);
    postalField.hidden = format.postal_codes === false;
    postalInput.disabled = format.postal_codes === false;
    postalInput.required = Boolean(format.postal_required);
    postalInput.inputMode = format.postal_numeric ? 'numeric' : 'text';
    postalInput.placeholder = format.postal_example || '';
    address.querySelector('[data-state-label]').textContent = format.state_label || 'State, province or region';
    address.querySelector('[data-state-optional]').hidden = Boolean(format.state_required);
    const states = format.states || [];
    const listed = states.length > 0;
    if (listed) {
      stateSelect.replaceChildren(h('option', { value: '' }, 'Choose…'),
        ...states.map((name) => h('option', { value: name }, name)));
    }
    // One of the two state boxes is live (and named "state" in the form); the label points at it.
    stateSelect.hidden = !listed;
    stateSelect.disabled = !listed;
    stateText.hidden = listed;
    stateText.disabled = listed;
    const live = listed ? stateSelect : stateText;
    live.required = Boolean(format.state_required);
    address.querySelector('[data-state-for]').htmlFor = live.id;
    clearBox(postalField);
    clearBox(address.querySelector('[data-field="shipping_address.state"]'));
  }

  /* ---------- summary ---------- */

  /** The cart's lines for products the catalog has (the page drops the others from the cart at load). */
  function readCart() {
    return cart.items()
      .filter((line) => productsById.has(line.product_id))
      .map((line) => ({ ...line, product: productsById.get(line.product_id) }));
  }

  /** Lines for products the shop no longer has leave the cart; prices are the quote's business. */
  function dropUnknownProducts() {
    const gone = cart.items().filter((line) => !productsById.has(line.product_id));
    gone.forEach((line) => cart.remove(line.product_id));
  }

  function renderLines() {
    const priced = new Map(((quote && quote.lines) || []).map((line) => [line.product_id, line]));
    summaryLines.replaceChildren(...lines.map((line, index) => {
      const answer = priced.get(line.product_id);
      const unit = answer ? answer.unit_amount_display || formatMoney(answer.unit_amount, quote.currency) : null;
      return h('li', { class: 'summary-line', 'data-testid': 'summary-line', 'data-field': `items[${index}]` },
        h('img', { class: 'summary-line__image', src: line.product.image, alt: '', width: 56, height: 42 }),
        h('div', { class: 'summary-line__text' },
          h('span', { class: 'summary-line__name' }, line.product.name),
          h('span', { class: 'summary-line__qty' }, unit ? `Qty ${line.quantity} × ${unit}` : `Qty ${line.quantity}`),
          h('span', { class: 'field__error', 'data-error': true, hidden: true })),
        lineAmount(answer));
    }));
  }

  function lineAmount(answer) {
    if (answer) return h('span', { class: 'summary-line__amount', 'data-testid': 'summary-line-amount' }, answer.amount_display);
    if (hasQuoteError()) {
      return h('span', { class: 'summary-line__amount summary-line__amount--none', 'data-testid': 'summary-line-amount' },
        h('span', { 'aria-hidden': 'true' }, '—'), h('span', { class: 'visually-hidden' }, 'No price'));
    }
    return h('span', { class: 'summary-line__amount is-pending', 'data-testid': 'summary-line-amount' },
      h('span', { class: 'visually-hidden' }, 'Price to follow'));
  }

  function renderTotals() {
    const hasLines = lines.length > 0;
    summary.querySelector('[data-summary-loading]')?.remove();
    summary.querySelector('[data-summary-empty]').hidden = hasLines;
    // While a new quote is on its way the last total stays, dimmed and marked busy; after an error the
    // error says what is wrong and no total is shown.
    totals.hidden = !hasLines || hasQuoteError() || (!quote && !totalNode.textContent);
    totals.setAttribute('aria-busy', String(hasLines && !quote && !hasQuoteError()));
    totals.classList.toggle('is-updating', hasLines && !quote);
    if (!quote) return;
    totalNode.textContent = quote.amount_display;
    totalNode.dataset.currency = quote.currency;
    routeNode.textContent = routeText(quote);
  }

  function routeText(answer) {
    if (answer.gateway === 'stripe') {
      return `Charged in ${answer.currency}, by card on Stripe's secure payment page.`;
    }
    if (answer.gateway === 'razorpay') {
      return `Charged in ${answer.currency}, by UPI, card or netbanking through Razorpay.`;
    }
    return `Charged in ${answer.currency} through ${gatewayName(answer.gateway)}.`;
  }

  /** The fine print under Pay and the phone hint, for the gateway the quote named (none after an error). */
  function renderGatewayCopy(gateway) {
    payNote.textContent = NOTES[gateway] || NOTES.none;
    phoneHint.textContent = PHONE_HINTS[gateway] || PHONE_HINTS.razorpay;
  }

  function render() {
    renderLines();
    renderTotals();
    // Lines are rebuilt: put a quote error naming one of them back in place.
    if (lastQuoteError) showError(lastQuoteError, { focus: false, source: 'quote', quiet: true });
    if (!working) setButton(buttonFor());
  }

  function buttonFor() {
    if (!lines.length) return 'empty';
    if (quote) return 'ready';
    return hasQuoteError() ? 'blocked' : 'quoting';
  }

  function setButton(state) {
    const total = quote ? quote.amount_display : '';
    const gateway = quote ? quote.gateway : null;
    const ready = gateway === 'stripe'
      ? `Continue to Stripe to pay ${total}`
      : `Pay ${total} with UPI, cards or netbanking`;
    const labels = {
      ready,
      reopen: ready,
      quoting: 'Getting your total…',
      blocked: 'Check your order first',
      empty: 'Your cart is empty',
      placing: 'Placing your order…',
      opening: 'Opening payment window…',
      open: 'Payment window open',
      redirecting: 'Taking you to Stripe…',
      failover: `Continue to Stripe to pay ${total} by card`,
    };
    payLabel.textContent = labels[state] || labels.ready;
    const busy = ['placing', 'opening', 'open', 'redirecting', 'quoting'].includes(state);
    payButton.disabled = busy || state === 'empty' || state === 'blocked' || !quote;
    payButton.setAttribute('aria-busy', String(busy));
    payButton.classList.toggle('is-busy', busy && state !== 'quoting');
    payButton.dataset.gateway = gateway || '';
  }

  /* ---------- quotes ---------- */

  function hasQuoteError() {
    return lastQuoteError !== null;
  }

  /** Something the quote depends on changed: ask again (shortly, so a burst of changes asks once). */
  function requote({ now = false } = {}) {
    lines = readCart();
    payWith.hidden = country() !== 'IN' || payWith.hasAttribute('data-single-gateway');
    renderAddressFormat();
    const question = JSON.stringify(quoteRequest());
    if (question === quoteFor) { // answered, or being asked, already
      render();
      return;
    }
    quoteFor = question;
    quote = null;
    clearQuoteError();
    clearTimeout(quoteTimer);
    quoteTimer = null;
    quoteSeq += 1;
    render();
    if (!lines.length) return;
    if (now) askQuote(quoteSeq, question);
    else quoteTimer = setTimeout(() => askQuote(quoteSeq, question), QUOTE_DEBOUNCE_MS);
  }

  async function askQuote(seq, question) {
    quoteTimer = null;
    let result;
    try {
      result = await request('POST', '/api/checkout/quote', { json: JSON.parse(question), timeoutMs: 15000 });
    } catch (error) {
      if (seq !== quoteSeq) return;
      quoteFailed({ field: 'items', code: 'network', message: error.message }, true);
      return;
    }
    if (seq !== quoteSeq) return; // the buyer changed something meanwhile; a newer answer is coming
    if (result.ok && result.data && typeof result.data.amount_display === 'string') {
      quote = result.data;
      renderGatewayCopy(quote.gateway);
      render(); // the totals are a polite live region: the new total is read out from there
      return;
    }
    const error = apiError(result);
    // A field the buyer cannot see here (a malformed cart, say) is reported on the summary.
    quoteFailed({ ...error, field: error.field && findBox(error.field) ? error.field : 'items' },
                result.status >= 500 || !result.data);
  }

  function quoteFailed(error, retryable) {
    lastQuoteError = error;
    retryButton.hidden = !retryable;
    renderGatewayCopy(null);
    render();
    announce(sentence(error.message));
  }

  function clearQuoteError() {
    lastQuoteError = null;
    retryButton.hidden = true;
    clearErrors('quote');
  }

  retryButton.addEventListener('click', () => {
    quoteFor = '';
    requote({ now: true });
  });

  /* ---------- errors next to their fields ---------- */

  /** Take away the errors one source put up: "form" (the buyer's submit) or "quote". */
  function clearErrors(source = 'form') {
    if (source === 'form') {
      formError.hidden = true;
      formError.replaceChildren();
    }
    document.querySelectorAll(`[data-field].has-error[data-error-source="${source}"]`).forEach(clearBox);
  }

  function clearBox(box) {
    box.classList.remove('has-error');
    delete box.dataset.errorSource;
    const message = slotOf(box);
    if (message) { message.hidden = true; message.textContent = ''; }
    box.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
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

  /** A box's own message slot, not one of a box inside it (the summary holds the lines' boxes). */
  function slotOf(box) {
    return Array.from(box.querySelectorAll('[data-error]')).find((node) => node.closest('[data-field]') === box) || null;
  }

  function findBox(field) {
    for (const name of candidates(field)) {
      const box = document.querySelector(`[data-field="${CSS.escape(name)}"]`);
      if (box && slotOf(box)) return box;
    }
    return null;
  }

  function showError(error, { focus = true, source = 'form', quiet = false } = {}) {
    const box = error.field ? findBox(error.field) : null;
    // The API names the field in its message too ("customer.phone: is not a valid phone number");
    // next to the field itself that prefix is noise.
    const prefix = `${error.field}: `;
    const raw = box && String(error.message || '').startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    const message = sentence(raw);
    if (box) {
      box.classList.add('has-error');
      box.dataset.errorSource = source;
      const slot = slotOf(box);
      slot.textContent = message;
      slot.hidden = false;
      // The live box: the state field keeps a list and a text box, one of them disabled.
      const input = box.querySelector('input:checked') || box.querySelector('input:enabled, select:enabled');
      if (input) {
        box.querySelectorAll('input, select').forEach((node) => node.setAttribute('aria-invalid', 'true'));
        if (focus) input.focus();
      } else if (focus) {
        box.scrollIntoView({ block: 'center', behavior: 'smooth' });
      }
      if (!quiet) announce(message);
    } else {
      showFormError(message, focus);
    }
  }

  function showFormError(message, focus = true, ...extra) {
    formError.replaceChildren(h('p', {}, message), ...extra);
    formError.hidden = false;
    if (focus) formError.focus();
  }

  /* ---------- the request ---------- */

  function readForm() {
    const data = new FormData(form);
    const value = (name) => String(data.get(name) || '').trim();
    const format = addressFormat();
    return {
      ...quoteRequest(),
      customer: { name: value('name'), email: value('email'), phone: value('phone') },
      // Name and phone are the buyer's (the server fills them in); the country is the checkout's.
      shipping_address: {
        line1: value('line1'), line2: value('line2'), city: value('city'), state: value('state'),
        postal_code: format.postal_codes === false ? '' : value('postal_code'), country: country(),
      },
    };
  }

  /* ---------- the form's rules, the server's own (galla/orders/checkout_rules.py) ---------- */

  /** The form's rules for a country, asked once; null when they cannot be had (the server still checks). */
  function rulesFor(code) {
    if (!rulesByCountry.has(code)) {
      const asked = request('GET', `/checkout/rules/${encodeURIComponent(code)}`)
        .then((result) => (result.ok && result.data ? result.data.rules : null), () => null);
      asked.then((rules) => { if (!rules) rulesByCountry.delete(code); }); // ask again on the next submit
      rulesByCountry.set(code, asked);
    }
    return rulesByCountry.get(code);
  }

  /** Every field of the form that breaks its rule, in the form's order (the first gets the focus). */
  function brokenFields(body, rules) {
    const place = body.shipping_address;
    const values = {
      'customer.name': body.customer.name,
      'customer.email': body.customer.email,
      'customer.phone': body.customer.phone,
      country: body.country,
      'shipping_address.line1': place.line1,
      'shipping_address.line2': place.line2,
      'shipping_address.city': place.city,
      'shipping_address.postal_code': place.postal_code,
      'shipping_address.state': place.state,
    };
    // In the order written above, the form's (the JSON of the rules comes with its keys sorted).
    return Object.keys(values).filter((field) => field in rules)
      .map((field) => ({ field, message: brokenRule(rules[field], values[field]) }))
      .filter((error) => error.message);
  }

  // One key per cart and details, kept until the order exists (Razorpay) or is paid (Stripe): a double
  // submit, a reload, a retry after a lost answer, or coming Back from Stripe's page and pressing Pay
  // again all get the same order back instead of a second one. The order page forgets a Stripe key
  // once that order is paid.
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

  function keepKeyFor(orderId) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(IDEMPOTENCY_STORE) || 'null');
      if (saved) sessionStorage.setItem(IDEMPOTENCY_STORE, JSON.stringify({ ...saved, order_id: orderId }));
    } catch { /* nothing kept */ }
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

  function orderLink(orderId, text) {
    return h('p', {}, 'Your order is saved. ',
      h('a', { href: `/orders/${encodeURIComponent(orderId)}` }, 'Go to your order'), ` ${text}`);
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
      showFormError(error.message || "The payment window couldn't open.", true,
                    orderLink(order.order_id, 'to pay for it later.'));
    }
  }

  function goToStripe(order) {
    setButton('redirecting');
    try {
      keepKeyFor(order.order_id);
      window.GallaPay.goToStripe(order.stripe, { onStatus: (text) => { formStatus.textContent = text; } });
    } catch (error) {
      working = false;
      forgetKey();
      setButton(buttonFor());
      formStatus.textContent = '';
      showFormError(error.message || "Stripe's payment page couldn't open.", true,
                    orderLink(order.order_id, 'to try again from there.'));
    }
  }

  /** Razorpay could not take the order: say so plainly, and go to Stripe only when the buyer presses Pay. */
  function offerFailover(fingerprint, order) {
    working = false;
    failedOver = { fingerprint, order };
    formStatus.textContent = '';
    setButton('failover');
    showFormError(`${sentence(order.failover.reason)} You can pay the same ${formatMoney(order.amount, order.currency)} `
                  + 'by card on Stripe\'s secure page instead, in rupees. UPI and netbanking are not available there.',
                  true);
  }

  async function submit(event) {
    event.preventDefault();
    if (working) return;
    clearErrors('form');
    if (!lines.length) {
      showFormError('Your cart is empty. Add something from the shop first.');
      return;
    }
    if (!quote || JSON.stringify(quoteRequest()) !== quoteFor) {
      // Pay is disabled without a good quote for what the form says now; Enter in a field can still land here.
      if (!quote && hasQuoteError()) showFormError('Please check your order: it cannot be paid as it is.');
      else requote({ now: true });
      return;
    }
    const body = readForm();
    const rules = await rulesFor(body.country);
    const broken = rules ? brokenFields(body, rules) : [];
    if (broken.length) {
      broken.forEach((error, i) => showError(error, { focus: i === 0 }));
      return;
    }

    const fingerprint = JSON.stringify(body);
    if (failedOver && failedOver.fingerprint === fingerprint) {
      working = true;
      goToStripe(failedOver.order);
      return;
    }
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
        setButton(buttonFor());
        formStatus.textContent = '';
        if (result.data && result.data.order_id) {
          // No gateway could take it now; the order is kept, and the same key retries it.
          showFormError(sentence(error.message), true,
                        orderLink(result.data.order_id, 'or press Pay again in a minute.'));
        } else {
          showError(error);
        }
        if (error.field === 'Idempotency-Key') forgetKey(); // the next press makes a fresh one
        return;
      }
      const order = result.data || {};
      const orderPage = `/orders/${encodeURIComponent(order.order_id)}`;
      if (order.status && order.status !== 'pending') {
        // A replayed order that has moved on (paid from another tab, say): show it, don't pay twice.
        forgetKey();
        window.location.assign(orderPage);
      } else if (order.razorpay) {
        forgetKey();
        placed = { fingerprint, order_id: order.order_id, razorpay: order.razorpay };
        await openWindow(placed);
      } else if (order.stripe && order.failover) {
        offerFailover(fingerprint, order);
      } else if (order.stripe) {
        goToStripe(order);
      } else {
        forgetKey();
        window.location.assign(orderPage);
      }
    } catch (error) {
      // No answer: the key stays, so pressing Pay again returns the order if it was made.
      working = false;
      setButton(buttonFor());
      formStatus.textContent = '';
      showFormError(error && error.name === 'NetworkError'
        ? error.message
        : 'Something went wrong. Please try again.');
    }
  }

  dropUnknownProducts(); // before listening, so pruning the cart does not ask for a quote of its own
  form.addEventListener('submit', submit);
  // Editing a field takes its error away: the buyer is fixing it.
  form.addEventListener('input', (event) => {
    const box = event.target.closest('[data-field].has-error');
    if (box && box.dataset.errorSource !== 'quote') clearBox(box);
  });
  // A new country or way to pay changes the route, the currency and the total: ask the server.
  countrySelect.addEventListener('change', () => {
    const chosen = country();
    // Asked now, ready by the time the buyer presses Pay; the phone box shows a number of the country.
    rulesFor(chosen).then((rules) => {
      if (rules && chosen === country()) phoneInput.placeholder = rules['customer.phone'].example || '';
    });
    if (!working) requote({ now: true });
  });
  payWith.addEventListener('change', () => { if (!working) requote({ now: true }); });
  window.addEventListener('galla:cart', () => { if (!working) requote(); });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) {
      // Back from the order page or from Stripe (bfcache): the page may still say "Taking you to Stripe…".
      working = false;
      placed = null;
      formStatus.textContent = '';
      quoteFor = '';
      requote({ now: true });
    } else {
      // A reload or Back without the bfcache: the browser puts the buyer's country and choice back
      // into the form without a change event; ask again if that changes the question.
      requote({ now: true });
    }
  });

  requote({ now: true });
})();
