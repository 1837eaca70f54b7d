/* Catalog: "Add to cart" buttons, with a confirmation you can see and hear. */
(() => {
  'use strict';

  const CONFIRM_MS = 1800;

  function confirmAdded(button) {
    const card = button.closest('[data-testid="product"]') || button.parentElement;
    const name = button.dataset.productName || 'Item';
    const inCart = window.GallaCart.quantityOf(button.dataset.productId);
    const total = window.GallaCart.count();

    const label = button.querySelector('.button__label') || button;
    label.textContent = 'Added ✓';
    button.classList.add('is-added');
    clearTimeout(button.galla_timer);
    button.galla_timer = setTimeout(() => {
      label.textContent = 'Add to cart';
      button.classList.remove('is-added');
    }, CONFIRM_MS);

    const note = card.querySelector('[data-added-note]');
    if (note) {
      const text = note.querySelector('[data-added-text]');
      if (text) text.textContent = `${inCart} in your cart`;
      note.hidden = false;
    }
    const atMax = inCart >= window.GallaCart.MAX;
    window.Galla.announce(atMax
      ? `${name}: you have the most we sell at once, ${window.GallaCart.MAX}, in your cart.`
      : `${name} added to your cart. ${total} ${total === 1 ? 'item' : 'items'} in your cart.`);
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-add-to-cart]');
    if (!button || button.disabled) return;
    window.GallaCart.add(button.dataset.productId, 1);
    confirmAdded(button);
  });

  // Show what is already in the cart when the page opens (or the cart changes in another tab).
  function showQuantities() {
    document.querySelectorAll('[data-add-to-cart]').forEach((button) => {
      const card = button.closest('[data-testid="product"]');
      const note = card && card.querySelector('[data-added-note]');
      if (!note) return;
      const inCart = window.GallaCart.quantityOf(button.dataset.productId);
      const text = note.querySelector('[data-added-text]');
      if (text) text.textContent = `${inCart} in your cart`;
      note.hidden = inCart === 0;
    });
  }
  showQuantities();
  window.addEventListener('galla:cart', showQuantities);
})();
