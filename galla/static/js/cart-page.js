/* Cart page: the lines in localStorage, priced with the catalog the page carries.
   Lines are kept (not rebuilt) between changes, so focus stays on the stepper being used. */
(() => {
  'use strict';

  const { h, formatMoney, readJson, announce } = window.Galla;
  const cart = window.GallaCart;
  const products = readJson('products-data', []);

  const root = document.querySelector('[data-cart]');
  const list = root.querySelector('[data-cart-lines]');
  const summary = root.querySelector('[data-cart-summary]');
  const empty = root.querySelector('[data-cart-empty]');
  const notice = document.querySelector('[data-cart-notice]');
  const rows = new Map(); // product_id → {li, input, minus, plus, total}

  function stepButton(kind, product) {
    const label = kind === 'minus' ? `Decrease quantity of ${product.name}` : `Increase quantity of ${product.name}`;
    return h('button', { type: 'button', class: `stepper__button stepper__button--${kind}`, 'aria-label': label,
                         dataset: { step: kind === 'minus' ? '-1' : '1' } },
             h('span', { 'aria-hidden': 'true' }, kind === 'minus' ? '−' : '+'));
  }

  function buildRow(line) {
    const { product } = line;
    const inputId = `qty-${product.id}`;
    const input = h('input', {
      id: inputId, class: 'stepper__input', type: 'number', inputmode: 'numeric', min: cart.MIN, max: cart.MAX,
      step: 1, value: line.quantity, 'aria-label': `Quantity of ${product.name}`, 'data-testid': 'quantity',
    });
    const minus = stepButton('minus', product);
    const plus = stepButton('plus', product);
    const total = h('p', { class: 'cart-line__total', 'data-testid': 'line-total' });
    const remove = h('button', { type: 'button', class: 'link-button cart-line__remove', 'data-testid': 'remove',
                                 'aria-label': `Remove ${product.name} from cart` }, 'Remove');

    const li = h('li', { class: 'cart-line', 'data-testid': 'cart-line', dataset: { productId: product.id } },
      h('img', { class: 'cart-line__image', src: product.image, alt: '', width: 96, height: 72 }),
      h('div', { class: 'cart-line__info' },
        h('h2', { class: 'cart-line__name' }, product.name),
        h('p', { class: 'cart-line__unit' }, `${formatMoney(line.unit, 'INR')} each`)),
      h('div', { class: 'cart-line__controls' },
        h('div', { class: 'stepper', role: 'group', 'aria-label': `Quantity of ${product.name}` }, minus, input, plus),
        total,
        remove));

    minus.addEventListener('click', () => step(product, -1));
    plus.addEventListener('click', () => step(product, +1));
    input.addEventListener('change', () => {
      const wanted = input.value.trim() === '' ? cart.quantityOf(product.id) : input.value;
      cart.set(product.id, wanted);
      render();
      announce(`${product.name}: ${cart.quantityOf(product.id)} in your cart.`);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') input.dispatchEvent(new Event('change'));
    });
    remove.addEventListener('click', () => removeLine(product));

    const row = { li, input, minus, plus, total };
    rows.set(product.id, row);
    return row;
  }

  function step(product, delta) {
    const current = cart.quantityOf(product.id);
    const next = Math.min(cart.MAX, Math.max(cart.MIN, current + delta));
    if (next === current) return;
    cart.set(product.id, next);
    render();
    announce(`${product.name}: ${next} in your cart.`);
  }

  function removeLine(product) {
    const order = [...rows.keys()];
    const index = order.indexOf(product.id);
    cart.remove(product.id);
    render();
    announce(`${product.name} removed from your cart.`);
    // Keep the keyboard user's place: the next line's Remove, else the previous one, else the page.
    const nextId = order[index + 1] || order[index - 1];
    const next = nextId && rows.get(nextId);
    if (next) next.li.querySelector('.cart-line__remove').focus();
    else (empty.querySelector('a') || document.getElementById('main')).focus();
  }

  function render() {
    const priced = cart.priced(products);
    const seen = new Set();
    priced.lines.forEach((line, index) => {
      const row = rows.get(line.product_id) || buildRow(line);
      seen.add(line.product_id);
      if (list.children[index] !== row.li) list.insertBefore(row.li, list.children[index] || null);
      if (document.activeElement !== row.input || Number(row.input.value) !== line.quantity) {
        row.input.value = String(line.quantity);
      }
      row.minus.setAttribute('aria-disabled', String(line.quantity <= cart.MIN));
      row.plus.setAttribute('aria-disabled', String(line.quantity >= cart.MAX));
      row.total.textContent = formatMoney(line.amount, 'INR');
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
    const count = priced.lines.reduce((sum, line) => sum + line.quantity, 0);
    const hasLines = priced.lines.length > 0;
    list.hidden = !hasLines;
    summary.hidden = !hasLines;
    empty.hidden = hasLines;
    root.dataset.state = hasLines ? 'ready' : 'empty';
    summary.querySelector('[data-cart-items]').textContent = String(count);
    summary.querySelector('[data-cart-total]').textContent = formatMoney(priced.total, 'INR');
  }

  const dropped = cart.dropUnavailable(products);
  if (dropped) {
    notice.textContent = dropped === 1
      ? 'One item in your cart is no longer sold, so we took it out.'
      : `${dropped} items in your cart are no longer sold, so we took them out.`;
    notice.hidden = false;
  }
  root.querySelector('[data-cart-loading]').remove();
  render();
  window.addEventListener('galla:cart', render);
})();
