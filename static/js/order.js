/* Order page: polls the order while payment is under way and offers another attempt. */
(function () {
  'use strict';
  var order = JSON.parse(document.getElementById('order-data').textContent);
  var started = Date.now(), timer = null;
  var PENDING_LIMIT_MS = 10 * 60 * 1000;
  var DETAIL = {
    paid: 'Your payment is confirmed. Thank you!',
    authorized: 'Your payment is authorised and being captured.',
    pending: 'We have not received a payment for this order yet.',
    needs_review: "We're checking your payment — our team will contact you.",
    expired: 'This order expired before it was paid.',
    refunded: 'This order was refunded.', partially_refunded: 'Part of this order was refunded.',
    disputed: 'This payment is disputed.'
  };

  function render(o) {
    var block = document.getElementById('status-block');
    block.className = 'card status status-' + o.status;
    document.getElementById('order-status').textContent = o.status_label;
    document.getElementById('status-detail').textContent = DETAIL[o.status] || '';
    var button = document.getElementById('pay-button');
    button.hidden = !o.can_pay;
    button.textContent = o.attempts.length ? 'Try again' : 'Pay now';
    var list = document.getElementById('attempts');
    list.replaceChildren();
    o.attempts.forEach(function (a) {
      var li = document.createElement('li');
      var when = a.at ? new Date(a.at).toLocaleTimeString('en-IN') : '';
      li.textContent = (a.description || a.code || 'Payment failed') + (when ? ' — ' + when : '');
      list.append(li);
    });
    document.getElementById('attempts-block').hidden = o.attempts.length === 0;
  }

  function shouldPoll(o) {
    if (o.status === 'authorized') return true;
    return o.status === 'pending' && Date.now() - started < PENDING_LIMIT_MS;
  }

  function poll() {
    timer = null;
    if (document.hidden) return;
    fetch('/api/orders/' + encodeURIComponent(order.order_id))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (o) { if (o) { order = o; render(o); } })
      .catch(function () {})
      .then(schedule);
  }
  function schedule() { if (!timer && shouldPoll(order)) timer = setTimeout(poll, 2000); }

  document.addEventListener('visibilitychange', function () { if (!document.hidden) schedule(); });
  document.getElementById('pay-button').addEventListener('click', function () {
    var error = document.getElementById('pay-error');
    error.hidden = true;
    fetch('/api/orders/' + encodeURIComponent(order.order_id) + '/pay', { method: 'POST' })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (!res.ok) throw res.body.error;
        return window.GallaPay.openRazorpay(order.order_id, res.body.razorpay);
      })
      .catch(function (e) { error.textContent = (e && e.message) || 'Please try again in a moment.'; error.hidden = false; });
  });
  render(order);
  schedule();
})();
