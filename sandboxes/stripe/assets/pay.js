/* The hosted page's only script: spaces in the card number, "MM / YY" in the expiry, and no double submits.
   The form works without it; this only helps typing. */
(function () {
  'use strict';

  var form = document.querySelector('[data-testid="pay-form"]');
  if (!form) return;  // the session is paid, expired or unknown: nothing to type into

  function field(testid) { return form.querySelector('[data-testid="' + testid + '"]'); }

  function groupCardNumber(value) {
    var digits = value.replace(/\D/g, '').slice(0, 19);
    if (/^3[47]/.test(digits)) {  // American Express groups 4-6-5
      return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10, 15)].filter(Boolean).join(' ');
    }
    return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
  }

  function formatExpiry(value) {
    var digits = value.replace(/\D/g, '').slice(0, 4);
    if (digits.length === 1 && digits > '1') digits = '0' + digits;  // "4" means April
    return digits.length > 2 ? digits.slice(0, 2) + ' / ' + digits.slice(2) : digits;
  }

  field('card-number').addEventListener('input', function (event) {
    event.target.value = groupCardNumber(event.target.value);
  });
  field('card-expiry').addEventListener('input', function (event) {
    if (event.inputType && event.inputType.indexOf('delete') === 0) return;  // let backspace through " / "
    event.target.value = formatExpiry(event.target.value);
  });
  field('card-cvc').addEventListener('input', function (event) {
    event.target.value = event.target.value.replace(/\D/g, '').slice(0, 4);
  });

  var submitted = false;
  form.addEventListener('submit', function (event) {
    if (submitted) { event.preventDefault(); return; }
    submitted = true;
    var button = field('pay-button');
    button.disabled = true;
    button.dataset.label = button.textContent;
    button.textContent = 'Processing…';
  });
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;  // back to a page kept in the bfcache: let the buyer pay again
    submitted = false;
    var button = field('pay-button');
    button.disabled = false;
    button.textContent = button.dataset.label || button.textContent;
  });
})();
