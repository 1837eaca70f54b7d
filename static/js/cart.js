/* The cart lives in the browser: localStorage["galla.cart"] = [{product_id, quantity}]. */
(function () {
  'use strict';
  var KEY = 'galla.cart';

  function clamp(q) { q = Math.floor(Number(q) || 0); return Math.max(1, Math.min(100, q)); }
  function read() {
    try {
      var items = JSON.parse(localStorage.getItem(KEY) || '[]');
      return Array.isArray(items) ? items.filter(function (i) { return i && typeof i.product_id === 'string'; }) : [];
    } catch (e) { return []; }
  }
  function write(items) { localStorage.setItem(KEY, JSON.stringify(items)); showCount(); }
  function showCount() {
    var n = count();
    document.querySelectorAll('[data-cart-count]').forEach(function (el) { el.textContent = String(n); });
  }
  function count() { return read().reduce(function (s, i) { return s + i.quantity; }, 0); }
  function set(id, qty) {
    var items = read(), line = items.find(function (i) { return i.product_id === id; });
    if (line) line.quantity = clamp(qty); else items.push({ product_id: id, quantity: clamp(qty) });
    write(items);
  }
  function add(id, qty) {
    var line = read().find(function (i) { return i.product_id === id; });
    set(id, (line ? line.quantity : 0) + (qty || 1));
  }
  function remove(id) { write(read().filter(function (i) { return i.product_id !== id; })); }
  function clear() { write([]); }

  function money(minor, currency) {
    var exp = { JPY: 0, KRW: 0 }[currency]; if (exp === undefined) exp = 2;
    return new Intl.NumberFormat(currency === 'INR' ? 'en-IN' : 'en-US', { style: 'currency', currency: currency })
      .format(minor / Math.pow(10, exp));
  }
  function products() {
    var el = document.getElementById('products-data');
    var list = el ? JSON.parse(el.textContent) : [];
    var byId = {}; list.forEach(function (p) { byId[p.id] = p; }); return byId;
  }

  window.GallaCart = { items: read, add: add, set: set, remove: remove, clear: clear, count: count,
                       money: money, products: products };
  document.addEventListener('DOMContentLoaded', showCount);
  window.addEventListener('storage', showCount);
})();
