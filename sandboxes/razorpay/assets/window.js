/* The sandbox's payment window: pays through /checkout/pay (/checkout/subscriptions/pay for a subscription) and tells checkout.js (its opener) what happened.
   Messages go only to the opener's origin, given by checkout.js in the query string. */
(function () {
  'use strict';

  var root = document.getElementById('checkout');
  var data = root.dataset;
  var framed = window.parent !== window;
  var origin = data.origin || '';
  var busy = false;

  function el(testid) { return root.querySelector('[data-testid="' + testid + '"]'); }
  function all(selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  function tell(message) {
    if (!framed || !origin) return;  // opened on its own: nobody to tell
    message.source = 'razorpay-sandbox';
    window.parent.postMessage(message, origin);
  }

  if (data.themeColor) document.documentElement.style.setProperty('--theme', data.themeColor);
  if (!framed) document.documentElement.classList.add('standalone');
  document.addEventListener('click', function (event) {
    if (!root.contains(event.target)) tell({ type: 'backdrop' });  // beside the card: the shop's backdrop
  });
  el('close').hidden = !framed;
  el('close').addEventListener('click', function () { tell({ type: 'dismiss' }); });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') tell({ type: 'escape' });
  });

  if (!el('methods')) {  // the order cannot be paid: the page shows why, and only closing is left
    tell({ type: 'ready' });
    return;
  }

  var tabs = all('[role="tab"]');
  var panels = all('[data-panel]');

  function show(testid, text) {
    var node = el(testid);
    if (text !== undefined) node.textContent = text;
    node.hidden = false;
  }
  function hide(testid) { el(testid).hidden = true; }

  function selectMethod(method) {
    tabs.forEach(function (tab) { tab.setAttribute('aria-selected', String(tab.dataset.method === method)); });
    panels.forEach(function (panel) { panel.hidden = panel.dataset.panel !== method; });
    hide('form-error');
  }

  function setBusy(on) {
    busy = on;
    all('button, input, select').forEach(function (node) {
      if (node.dataset.testid !== 'close') node.disabled = on;
    });
  }

  function payload(fields) {
    var body = { key_id: data.keyId, email: el('email').value.trim(), contact: el('contact').value.trim() };
    // A subscription's authentication pays for the subscription (checkout.js's subscription_id), not an order.
    if (data.subscriptionId) body.subscription_id = data.subscriptionId; else body.order_id = data.orderId;
    if (data.description) body.description = data.description;
    if (data.notes) body.notes = JSON.parse(data.notes);  // checkout's notes option: the payment carries it
    Object.keys(fields).forEach(function (name) { body[name] = fields[name]; });
    return body;
  }

  function pay(fields) {
    if (busy) return;
    setBusy(true);
    hide('form-error');
    show('status', 'Processing your payment…');
    fetch(data.payUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(payload(fields))
    }).then(function (resp) {
      return resp.json().then(function (json) { return { status: resp.status, json: json }; });
    }).then(function (answer) {
      hide('status');
      if (answer.status === 200) return succeed(answer.json);
      var error = (answer.json && answer.json.error) || { description: 'Payment failed' };
      if (error.metadata && error.metadata.payment_id) return fail(error);
      refuse(error);  // nothing was paid: a field to fix, or an order that cannot be paid
    }).catch(function () {
      hide('status');
      refuse({ description: 'Could not reach the sandbox. Check that the server is running and try again.' });
    });
  }

  function succeed(response) {
    hide('methods');
    show('payment-id', response.razorpay_payment_id);
    show('payment-success');
    tell({ type: 'success', response: response });
  }

  function fail(error) {
    hide('methods');
    show('payment-error-text', error.description);
    show('payment-error');
    setBusy(false);
    tell({ type: 'failure', error: error });
  }

  function refuse(error) {
    setBusy(false);
    show('form-error', error.description);
    el('form-error').scrollIntoView({ block: 'nearest' });
  }

  function formatCardNumber(value) {
    return value.replace(/\D/g, '').slice(0, 19).replace(/(\d{4})(?=\d)/g, '$1 ');
  }

  function formatExpiry(value) {
    var digits = value.replace(/\D/g, '').slice(0, 4);
    return digits.length > 2 ? digits.slice(0, 2) + ' / ' + digits.slice(2) : digits;
  }

  tabs.forEach(function (tab) {
    tab.addEventListener('click', function () { selectMethod(tab.dataset.method); });
  });

  el('upi-success').addEventListener('click', function () { pay({ method: 'upi', outcome: 'success' }); });
  el('upi-failure').addEventListener('click', function () { pay({ method: 'upi', outcome: 'failure' }); });

  el('card-number').addEventListener('input', function (event) {
    event.target.value = formatCardNumber(event.target.value);
  });
  el('card-expiry').addEventListener('input', function (event) {
    if (event.inputType && event.inputType.indexOf('delete') === 0) return;  // let backspace through the " / "
    event.target.value = formatExpiry(event.target.value);
  });
  el('card-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var number = el('card-number').value, expiry = el('card-expiry').value, cvv = el('card-cvv').value;
    if (!number || !expiry || !cvv) return refuse({ description: 'Enter the card number, expiry and CVV' });
    pay({ method: 'card', card_number: number, card_expiry: expiry.replace(/\s/g, ''), card_cvv: cvv });
  });

  el('bank-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var select = el('bank-select');
    show('bank-name', select.options[select.selectedIndex].text);
    hide('bank-form');
    show('bank-page');
  });
  function payAtBank(outcome) {
    // For a subscription the bank page registers an e-mandate (eNACH) rather than paying once.
    var method = data.subscriptionId ? 'emandate' : 'netbanking';
    pay({ method: method, bank: el('bank-select').value, outcome: outcome });
  }
  el('bank-success').addEventListener('click', function () { payAtBank('success'); });
  el('bank-failure').addEventListener('click', function () { payAtBank('failure'); });

  el('retry').addEventListener('click', function () {
    hide('payment-error');
    hide('bank-page');
    show('bank-form');
    show('methods');
  });

  selectMethod(data.method || 'upi');
  tell({ type: 'ready' });
})();
