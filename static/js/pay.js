/* Opens the Razorpay window for an order and reports what happened to the server. */
(function () {
  'use strict';
  var loading = null;

  function loadScript() {
    if (window.Razorpay) return Promise.resolve();
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = document.body.dataset.razorpayJs;
      s.onload = resolve;
      s.onerror = function () { loading = null; reject(new Error('The payment window could not be loaded. Check your connection and try again.')); };
      document.head.appendChild(s);
    });
    return loading;
  }

  function postJson(url, body) {
    return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                        body: JSON.stringify(body) });
  }

  function openRazorpay(orderId, options) {
    var orderPage = '/orders/' + encodeURIComponent(orderId);
    return loadScript().then(function () {
      var rzp = new window.Razorpay(Object.assign({}, options, {
        theme: { color: '#b3541e' },
        handler: function (resp) {
          postJson('/api/payments/razorpay/verify', {
            order_id: orderId, razorpay_order_id: resp.razorpay_order_id,
            razorpay_payment_id: resp.razorpay_payment_id, razorpay_signature: resp.razorpay_signature
          }).then(function (r) { if (r.ok) window.GallaCart.clear(); })
            .catch(function () {})
            .then(function () { window.location.assign(orderPage); });
        },
        modal: { ondismiss: function () { window.location.assign(orderPage); } }
      }));
      rzp.on('payment.failed', function (r) {
        postJson('/api/payments/razorpay/failed', { order_id: orderId, error: r.error }).catch(function () {});
      });
      rzp.open();
    });
  }

  window.GallaPay = { openRazorpay: openRazorpay, postJson: postJson };
})();
