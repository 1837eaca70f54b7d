/* Catalog: "Add to cart" buttons. */
(function () {
  'use strict';
  document.querySelectorAll('[data-add-to-cart]').forEach(function (button) {
    button.addEventListener('click', function () {
      window.GallaCart.add(button.dataset.productId, 1);
      var note = button.parentElement.querySelector('.added');
      if (note) note.textContent = 'Added to cart ✓';
    });
  });
})();
