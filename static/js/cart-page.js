/* Cart page: lines from localStorage priced with the catalog the page carries. */
(function () {
  'use strict';
  var cart = window.GallaCart, products = cart.products();
  var root = document.getElementById('cart');

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render() {
    root.replaceChildren();
    var total = 0, items = cart.items().filter(function (i) { return products[i.product_id]; });
    items.forEach(function (item) {
      var p = products[item.product_id], amount = p.prices.INR * item.quantity;
      total += amount;
      var line = el('div', { 'class': 'card cart-line', 'data-testid': 'cart-line' });
      var img = el('img', { src: p.image, alt: '', width: '96', height: '72' });
      var info = el('div', { 'class': 'cart-info' });
      info.append(el('h2', {}, p.name), el('p', { 'class': 'muted' }, cart.money(p.prices.INR, 'INR') + ' each'));
      var qty = el('input', { type: 'number', min: '1', max: '100', value: String(item.quantity),
                              'aria-label': 'Quantity of ' + p.name, 'class': 'qty' });
      qty.addEventListener('change', function () { cart.set(p.id, qty.value); render(); });
      var remove = el('button', { type: 'button', 'class': 'link' }, 'Remove');
      remove.addEventListener('click', function () { cart.remove(p.id); render(); });
      var controls = el('div', { 'class': 'cart-controls' });
      controls.append(qty, el('strong', {}, cart.money(amount, 'INR')), remove);
      line.append(img, info, controls);
      root.append(line);
    });
    document.getElementById('cart-empty').hidden = items.length > 0;
    document.getElementById('cart-footer').hidden = items.length === 0;
    document.getElementById('cart-total').textContent = cart.money(total, 'INR');
  }
  render();
})();
