/* The cart lives in the browser: localStorage["galla.cart"] = [{"product_id": str, "quantity": int}].
   window.GallaCart: items(), add(id, qty), set(id, qty), remove(id), clear(), count().
   Every change fires a "galla:cart" event on window (also when another tab changes the cart). */
(() => {
  'use strict';

  const KEY = 'galla.cart';
  const MIN = 1;
  const MAX = 100;
  const MAX_LINES = 50; // what POST /api/checkout accepts
  let memory = '[]'; // used when localStorage is unavailable (private mode, storage disabled)

  function load() {
    try {
      return window.localStorage.getItem(KEY);
    } catch {
      return memory;
    }
  }

  function save(text) {
    memory = text;
    try {
      window.localStorage.setItem(KEY, text);
    } catch {
      /* storage full or disabled: the in-memory copy keeps the cart for this page */
    }
  }

  function clamp(quantity) {
    const n = Math.trunc(Number(quantity));
    if (!Number.isFinite(n)) return MIN;
    return Math.min(MAX, Math.max(MIN, n));
  }

  function validId(id) {
    return typeof id === 'string' && id.length > 0 && id.length <= 64;
  }

  /** The cart's lines, cleaned: known shape, quantities 1..100, one line per product. */
  function items() {
    let raw;
    try {
      raw = JSON.parse(load() || '[]');
    } catch {
      raw = [];
    }
    if (!Array.isArray(raw)) raw = [];
    const lines = [];
    const byId = new Map();
    for (const entry of raw) {
      if (!entry || !validId(entry.product_id)) continue;
      const existing = byId.get(entry.product_id);
      if (existing) {
        existing.quantity = clamp(existing.quantity + clamp(entry.quantity));
      } else if (lines.length < MAX_LINES) {
        const line = { product_id: entry.product_id, quantity: clamp(entry.quantity) };
        byId.set(line.product_id, line);
        lines.push(line);
      }
    }
    return lines;
  }

  function write(lines) {
    save(JSON.stringify(lines.map(({ product_id, quantity }) => ({ product_id, quantity }))));
    changed(true);
  }

  function set(productId, quantity) {
    if (!validId(productId)) return items();
    const lines = items();
    const line = lines.find((l) => l.product_id === productId);
    if (line) line.quantity = clamp(quantity);
    else if (lines.length < MAX_LINES) lines.push({ product_id: productId, quantity: clamp(quantity) });
    write(lines);
    return lines;
  }

  function add(productId, quantity = 1) {
    const line = items().find((l) => l.product_id === productId);
    return set(productId, (line ? line.quantity : 0) + clamp(quantity));
  }

  function remove(productId) {
    const lines = items().filter((l) => l.product_id !== productId);
    write(lines);
    return lines;
  }

  function clear() {
    write([]);
    return [];
  }

  /** How many things are in the cart (quantities added up). */
  function count() {
    return items().reduce((sum, line) => sum + line.quantity, 0);
  }

  function quantityOf(productId) {
    const line = items().find((l) => l.product_id === productId);
    return line ? line.quantity : 0;
  }

  /**
   * The cart priced with the catalog a page carries: {lines: [{product, quantity, amount}],
   * total, currency: "INR", unavailable: [product_id]} — unavailable lines are not sold (any more).
   */
  function priced(products, currency = 'INR') {
    const byId = new Map((products || []).map((p) => [p.id, p]));
    const result = { lines: [], total: 0, currency, unavailable: [] };
    for (const line of items()) {
      const product = byId.get(line.product_id);
      const unit = product && product.prices ? product.prices[currency] : undefined;
      if (!Number.isInteger(unit)) {
        result.unavailable.push(line.product_id);
        continue;
      }
      const amount = unit * line.quantity;
      result.lines.push({ product, product_id: line.product_id, quantity: line.quantity, unit, amount });
      result.total += amount;
    }
    return result;
  }

  /** Take lines the catalog no longer sells out of the cart; returns how many went. */
  function dropUnavailable(products, currency = 'INR') {
    const { unavailable } = priced(products, currency);
    if (unavailable.length) write(items().filter((l) => !unavailable.includes(l.product_id)));
    return unavailable.length;
  }

  function showCount(bump) {
    const n = count();
    document.querySelectorAll('[data-cart-count]').forEach((node) => {
      node.textContent = String(n);
      node.toggleAttribute('data-empty', n === 0);
      if (bump) {
        node.classList.remove('is-bumped');
        void node.offsetWidth; // restart the animation
        node.classList.add('is-bumped');
      }
    });
    document.querySelectorAll('[data-cart-count-label]').forEach((node) => {
      node.textContent = n === 1 ? 'item' : 'items';
    });
  }

  function changed(bump) {
    if (document.readyState !== 'loading') showCount(bump);
    window.dispatchEvent(new CustomEvent('galla:cart', { detail: { items: items() } }));
  }

  window.GallaCart = Object.freeze({
    items, add, set, remove, clear, count, quantityOf, priced, dropUnavailable,
    MIN, MAX,
    // Kept for older page scripts: formatting lives in common.js.
    money: (minor, currency) => window.Galla.formatMoney(minor, currency),
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => showCount(false));
  } else {
    showCount(false);
  }
  window.addEventListener('storage', (event) => {
    if (event.key === KEY || event.key === null) changed(false);
  });
  // Coming back with the Back button restores a cached page: its count may be stale.
  window.addEventListener('pageshow', (event) => { if (event.persisted) changed(false); });
})();
