/* Checkout form: order summary, POST /api/checkout with an Idempotency-Key, then the Razorpay window. */
(function () {
  'use strict';
  var cart = window.GallaCart, products = cart.products();
  var form = document.getElementById('checkout-form');
  var button = form.querySelector('button[type=submit]');

  function summary() {
    var list = document.getElementById('summary-lines'), total = 0;
    var items = cart.items().filter(function (i) { return products[i.product_id]; });
    list.replaceChildren();
    items.forEach(function (i) {
      var p = products[i.product_id], li = document.createElement('li');
      total += p.prices.INR * i.quantity;
      li.textContent = p.name + ' × ' + i.quantity + ' — ' + cart.money(p.prices.INR * i.quantity, 'INR');
      list.append(li);
    });
    document.getElementById('summary-total').textContent = cart.money(total, 'INR');
    document.getElementById('summary-empty').hidden = items.length > 0;
    button.disabled = items.length === 0;
    return items;
  }

  function showErrors(error) {
    form.querySelectorAll('[data-field]').forEach(function (p) { p.hidden = true; p.textContent = ''; });
    if (!error) return;
    var target = form.querySelector('[data-field="' + (error.field || '') + '"]') ||
                 form.querySelector('[data-field=""]');
    target.textContent = error.message;
    target.hidden = false;
  }

  // One key per cart and details: a double submit or a retry after a lost answer gets the same order.
  function idempotencyKey(body) {
    var fingerprint = JSON.stringify(body), saved = JSON.parse(sessionStorage.getItem('galla.idem') || 'null');
    if (saved && saved.fingerprint === fingerprint) return saved.key;
    var key = window.crypto.randomUUID();
    sessionStorage.setItem('galla.idem', JSON.stringify({ fingerprint: fingerprint, key: key }));
    return key;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var body = { items: summary().map(function (i) { return { product_id: i.product_id, quantity: i.quantity }; }),
                 customer: { name: data.get('name'), email: data.get('email'), phone: data.get('phone') },
                 country: data.get('country') };
    showErrors(null);
    button.disabled = true;
    button.textContent = 'Working…';
    fetch('/api/checkout', { method: 'POST', body: JSON.stringify(body),
                             headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey(body) } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (!res.ok) throw res.body.error || { message: 'Something went wrong.' };
        sessionStorage.removeItem('galla.idem');
        return window.GallaPay.openRazorpay(res.body.order_id, res.body.razorpay);
      })
      .catch(function (error) {
        showErrors(error && error.message ? error : { message: 'We could not reach the shop. Check your connection and try again.' });
      })
      .then(function () { button.disabled = false; button.textContent = 'Pay securely'; });
  });
  summary();
})();
