/* Galla's Razorpay sandbox: checkout.js with the same contract as Razorpay's own.

     var rzp = new Razorpay({key, order_id (or subscription_id), amount, currency, name, description, image, prefill,
                             notes, theme, modal: {ondismiss, escape, backdropclose}, handler, retry});
     rzp.on('payment.failed', function (response) { response.error.code ... });
     rzp.open();  rzp.close();

   open() covers the page with the sandbox's payment window in an iframe. The window reports back with
   postMessage; only messages from this script's own origin and from that iframe are believed.
   Not simulated: callback_url/redirect, saved cards (customer_id), config.display blocks. */
(function () {
  'use strict';

  if (window.Razorpay && window.Razorpay.sandbox) return;  // loaded twice: keep the first

  function findScript() {
    if (document.currentScript) return document.currentScript;
    var scripts = document.querySelectorAll('script[src*="/v1/checkout.js"]');
    return scripts[scripts.length - 1];
  }

  // Everything else the sandbox serves sits beside /v1/checkout.js, wherever the sandbox is mounted.
  var scriptUrl = new URL(findScript().src, document.baseURI);
  var SANDBOX_ORIGIN = scriptUrl.origin;
  var BASE = (scriptUrl.origin + scriptUrl.pathname).replace(/\/v1\/checkout\.js$/, '');
  var METHODS = ['upi', 'card', 'netbanking'];

  function isFunction(value) { return typeof value === 'function'; }

  function retryEnabled(retry) {
    if (retry === false) return false;
    return !(retry && typeof retry === 'object' && retry.enabled === false);
  }

  function absoluteImage(image) {
    if (typeof image !== 'string' || !image) return '';
    if (image.indexOf('data:') === 0) return image;
    try { return new URL(image, window.location.href).href; } catch (e) { return ''; }
  }

  function windowUrl(options) {
    var prefill = options.prefill || {};
    var params = new URLSearchParams();
    params.set('key_id', options.key);
    // A subscription's authentication: the handler then gets razorpay_subscription_id instead of razorpay_order_id.
    if (options.subscription_id) params.set('subscription_id', options.subscription_id);
    else params.set('order_id', options.order_id);
    params.set('origin', window.location.origin);
    var extra = {
      name: options.name, description: options.description, image: absoluteImage(options.image),
      prefill_name: prefill.name, prefill_email: prefill.email, prefill_contact: prefill.contact,
      method: METHODS.indexOf(prefill.method) >= 0 ? prefill.method : '',
      theme: options.theme && options.theme.color
    };
    // The notes option goes onto the payment (not the order's notes), so the window sends it with the payment.
    if (options.notes && typeof options.notes === 'object') extra.notes = JSON.stringify(options.notes);
    Object.keys(extra).forEach(function (name) {
      if (extra[name] !== undefined && extra[name] !== null && extra[name] !== '') params.set(name, String(extra[name]));
    });
    return BASE + '/checkout/window?' + params.toString();
  }

  function Razorpay(options) {
    if (!(this instanceof Razorpay)) return new Razorpay(options);
    if (!options || typeof options !== 'object') throw new Error('Razorpay: new Razorpay(options) needs an options object');
    if (!options.key) throw new Error('Razorpay: the "key" option is required (your key_id, rzp_test_...)');
    if (!options.order_id && !options.subscription_id) {
      throw new Error('Razorpay: the "order_id" (or "subscription_id") option is required (create it on your server first)');
    }
    this.options = options;
    this._listeners = {};
    this._overlay = null;
    this._iframe = null;
    this._onMessage = this._receive.bind(this);
    this._onKey = this._key.bind(this);
  }

  Razorpay.sandbox = true;

  Razorpay.prototype.on = function (event, callback) {
    if (!isFunction(callback)) throw new Error('Razorpay: on("' + event + '", callback) needs a function');
    (this._listeners[event] = this._listeners[event] || []).push(callback);
    return this;
  };

  Razorpay.prototype._emit = function (event, payload) {
    (this._listeners[event] || []).forEach(function (callback) { callback(payload); });
  };

  Razorpay.prototype.open = function () {
    if (this._overlay) return this;
    var options = this.options;
    var overlay = document.createElement('div');
    overlay.setAttribute('data-testid', 'razorpay-sandbox-overlay');
    // Styles set through the DOM, not a style attribute or sheet, so a strict CSP on the shop's page allows them.
    var style = overlay.style;
    style.position = 'fixed';
    style.top = style.left = '0';
    style.width = style.height = '100%';
    style.zIndex = '2147483000';
    style.display = 'flex';
    style.alignItems = 'center';
    style.justifyContent = 'center';
    style.background = (options.theme && options.theme.backdrop_color) || 'rgba(17, 24, 39, 0.7)';

    // The iframe covers the whole page and is transparent: the window draws its own card, sized by its
    // own media queries (full screen on a phone), and reports clicks beside the card as backdrop clicks.
    var iframe = document.createElement('iframe');
    iframe.src = windowUrl(options);
    iframe.title = 'Razorpay sandbox checkout';
    iframe.setAttribute('data-testid', 'razorpay-sandbox-frame');
    iframe.setAttribute('allowtransparency', 'true');
    iframe.style.border = '0';
    iframe.style.width = '100%';
    iframe.style.height = '100%';
    iframe.style.background = 'transparent';
    overlay.appendChild(iframe);

    this._overlay = overlay;
    this._iframe = iframe;
    this._bodyOverflow = document.body.style.overflow;
    document.body.style.overflow = 'hidden';
    window.addEventListener('message', this._onMessage);
    document.addEventListener('keydown', this._onKey);
    document.body.appendChild(overlay);
    iframe.addEventListener('load', function () { iframe.focus(); });
    return this;
  };

  Razorpay.prototype.close = function () {
    if (!this._overlay) return this;
    window.removeEventListener('message', this._onMessage);
    document.removeEventListener('keydown', this._onKey);
    this._overlay.parentNode && this._overlay.parentNode.removeChild(this._overlay);
    document.body.style.overflow = this._bodyOverflow || '';
    this._overlay = null;
    this._iframe = null;
    return this;
  };

  // The buyer closed checkout (× or Escape, or the backdrop when modal.backdropclose): close, then modal.ondismiss.
  Razorpay.prototype._dismiss = function () {
    if (!this._overlay) return;
    this.close();
    var modal = this.options.modal || {};
    if (isFunction(modal.ondismiss)) modal.ondismiss();
  };

  Razorpay.prototype._key = function (event) {
    var modal = this.options.modal || {};
    if (event.key === 'Escape' && modal.escape !== false) this._dismiss();
  };

  Razorpay.prototype._receive = function (event) {
    if (event.origin !== SANDBOX_ORIGIN || !this._iframe || event.source !== this._iframe.contentWindow) return;
    var message = event.data;
    if (!message || message.source !== 'razorpay-sandbox') return;
    var options = this.options;
    if (message.type === 'success') {
      this.close();
      if (isFunction(options.handler)) options.handler(message.response);
    } else if (message.type === 'failure') {
      var error = message.error || {};
      var metadata = error.metadata || {};
      this._emit('payment.failed', { error: {
        code: error.code, description: error.description, source: error.source, step: error.step,
        reason: error.reason,
        metadata: { order_id: metadata.order_id, subscription_id: metadata.subscription_id, payment_id: metadata.payment_id }
      } });
      // With retry off, a failure ends checkout, and Razorpay then calls ondismiss too.
      if (!retryEnabled(options.retry)) this._dismiss();
    } else if (message.type === 'dismiss') {
      this._dismiss();
    } else if (message.type === 'escape') {
      if ((options.modal || {}).escape !== false) this._dismiss();
    } else if (message.type === 'backdrop') {
      if ((options.modal || {}).backdropclose) this._dismiss();  // Razorpay's default: a stray click does not close
    }
  };

  window.Razorpay = Razorpay;
})();
