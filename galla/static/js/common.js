/* Galla: helpers every page uses — money, time, JSON calls to the shop's API, announcements. */
(() => {
  'use strict';

  // Minor units per currency, as the server counts them (galla/payments/money.py; tests/payments/test_money.py checks they agree).
  const ZERO_DECIMAL = new Set('BIF CLP DJF GNF ISK JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' '));
  const THREE_DECIMAL = new Set('BHD JOD KWD OMR TND'.split(' '));
  const formatters = new Map();

  function exponentOf(currency) {
    if (ZERO_DECIMAL.has(currency)) return 0;
    if (THREE_DECIMAL.has(currency)) return 3;
    return 2;
  }

  /**
   * Minor units as a buyer reads them, matching the server's format_money: 49900 INR → "₹499.00",
   * 12345600 INR → "₹1,23,456.00", 699 USD → "$6.99", 4000 JPY → "¥4,000", 1234 KWD → "KWD 1.234".
   * The number of decimals is the currency's exponent here, never Intl's own idea of it, so no minor
   * unit is ever rounded away. Pages should show the server's *_display strings when they have them.
   */
  function formatMoney(minor, currency) {
    const code = String(currency || 'INR').toUpperCase();
    const digits = exponentOf(code);
    let format = formatters.get(code);
    if (!format) {
      try {
        format = new Intl.NumberFormat(code === 'INR' ? 'en-IN' : 'en-US', {
          style: 'currency', currency: code, minimumFractionDigits: digits, maximumFractionDigits: digits,
        });
      } catch {
        // Not a currency this browser knows: "1,234.00 XYZ" is still right.
        const plain = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
        format = { format: (value) => `${plain.format(value)} ${code}` };
      }
      formatters.set(code, format);
    }
    return format.format(toMajor(minor, digits));
  }

  /** Minor units to a major-unit number without float drift (1999, 2 → 19.99). */
  function toMajor(minor, digits) {
    const n = Math.trunc(Number(minor) || 0);
    if (digits === 0) return n;
    const sign = n < 0 ? '-' : '';
    const text = String(Math.abs(n)).padStart(digits + 1, '0');
    return Number(`${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`);
  }

  /** A Date from the server's ISO string; a string without a zone is UTC (MongoDB keeps UTC). */
  function parseTime(iso) {
    if (!iso) return null;
    const text = String(iso);
    const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(text) ? text : text + 'Z';
    const date = new Date(zoned);
    return Number.isNaN(date.getTime()) ? null : date;
  }

  const timeFormat = new Intl.DateTimeFormat('en-IN', { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
  const dateTimeFormat = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'short' });

  /** "23 Nov, 9:14 am" (short) or "23 Nov 2026, 9:14 am" (long), in the buyer's time zone. */
  function formatTime(iso, style = 'short') {
    const date = parseTime(iso);
    if (!date) return '';
    return (style === 'long' ? dateTimeFormat : timeFormat).format(date);
  }

  /** Turn every <time data-local="short|long" datetime="…"> into the buyer's local time. */
  function localiseTimes(root = document) {
    root.querySelectorAll('time[data-local]').forEach((node) => {
      const text = formatTime(node.getAttribute('datetime'), node.dataset.local);
      if (text) node.textContent = text;
    });
  }

  /** The data the server put in <script type="application/json" id="…">. */
  function readJson(id, fallback = null) {
    const node = document.getElementById(id);
    if (!node) return fallback;
    try {
      return JSON.parse(node.textContent);
    } catch {
      return fallback;
    }
  }

  class NetworkError extends Error {
    constructor(message) {
      super(message);
      this.name = 'NetworkError';
    }
  }

  /**
   * Call the shop's API. Resolves to {status, ok, data} for any HTTP answer (data is the parsed
   * JSON body, or null); rejects with NetworkError when no answer came back in time.
   */
  async function request(method, url, { json, headers = {}, timeoutMs = 20000 } = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const init = { method, headers: { Accept: 'application/json', ...headers }, signal: controller.signal,
                   credentials: 'same-origin', cache: 'no-store' };
    if (json !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch {
      throw new NetworkError("We couldn't reach the shop. Check your internet connection and try again.");
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    if ((response.headers.get('Content-Type') || '').includes('json')) {
      try {
        data = await response.json();
      } catch {
        data = null;
      }
    }
    return { status: response.status, ok: response.ok, data };
  }

  /** The API's error envelope {"error": {code, message, field}}, or a stand-in for other answers. */
  function apiError(result) {
    const error = result && result.data && result.data.error;
    if (error && typeof error.message === 'string') return error;
    if (result && result.status >= 500) {
      return { code: 'server_error', message: 'Something went wrong on our side. Please try again in a minute.' };
    }
    return { code: 'unexpected', message: 'Something unexpected happened. Please try again.' };
  }

  /** Say something to screen-reader users without moving focus. */
  function announce(text) {
    const node = document.querySelector('[data-announcer]');
    if (!node) return;
    node.textContent = '';
    // A fresh text node after a tick makes screen readers read a repeated message again.
    setTimeout(() => { node.textContent = text; }, 50);
  }

  /** A small DOM builder: h('p', {class: 'x', dataset: {a: 1}}, 'text', childNode). */
  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'dataset') Object.assign(node.dataset, value);
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  /** Server messages are lower-case fragments ("is not a valid phone number"); make them read well. */
  function sentence(text, fallback = 'Please check this.') {
    const s = String(text || fallback).trim();
    const first = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?]$/.test(first) ? first : `${first}.`;
  }

  const GATEWAY_NAMES = { razorpay: 'Razorpay', stripe: 'Stripe' };

  /** "stripe" → "Stripe", as buyers know the payment company. */
  function gatewayName(gateway) {
    const key = String(gateway || '');
    return GATEWAY_NAMES[key] || (key ? key.charAt(0).toUpperCase() + key.slice(1) : 'the payment provider');
  }

  window.Galla = Object.freeze({
    formatMoney, exponentOf, parseTime, formatTime, localiseTimes, readJson,
    request, apiError, NetworkError, announce, h, sentence, gatewayName,
  });

  document.addEventListener('DOMContentLoaded', () => localiseTimes());
})();
