/* Plans page: choosing a country reloads the prices; the subscribe form checks the buyer's details by the
   checkout's rules (#field-rules, GET /checkout/rules/{country}), asks POST /api/subscriptions (with an
   Idempotency-Key, so a double submit makes one subscription), then opens Razorpay's window on the
   subscription's mandate (GallaPay.openRazorpaySubscription) or goes to Stripe's page (GallaPay.goToStripe). */
(() => {
  'use strict';

  const { h, readJson, request, apiError, announce, sentence } = window.Galla;
  const { brokenRule } = window.GallaFieldRules;
  const rules = (readJson('field-rules', {}) || {}).rules || {};

  const countryForm = document.querySelector('[data-plans-country]');
  if (countryForm) {
    const show = countryForm.querySelector('[data-country-show]');
    if (show) show.hidden = true; // the choice reloads the page by itself
    countryForm.querySelector('select').addEventListener('change', () => countryForm.submit());
  }

  const form = document.querySelector('[data-subscribe-form]');
  if (!form) return;
  const button = form.querySelector('[data-subscribe-button]');
  const formError = form.querySelector('[data-form-error]');
  const formStatus = form.querySelector('[data-form-status]');
  const keys = new Map(); // the request's JSON → its Idempotency-Key, so a resubmit of the same is a replay
  let working = false;

  function readForm() {
    const data = new FormData(form);
    const value = (name) => String(data.get(name) || '').trim();
    return {
      plan_id: value('plan_id'),
      customer: { name: value('name'), email: value('email'), phone: value('phone') },
      country: value('country'),
      international_card: data.get('international_card') === 'on',
    };
  }

  function clearErrors() {
    formError.hidden = true;
    formError.replaceChildren();
    form.querySelectorAll('[data-field].has-error').forEach((box) => {
      box.classList.remove('has-error');
      const slot = box.querySelector('[data-error]');
      slot.hidden = true;
      slot.textContent = '';
      box.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
    });
  }

  /** Show an error by the field it names ("customer.phone"), or above the form when no field of it is here. */
  function showError(error, focus) {
    const box = error.field ? form.querySelector(`[data-field="${CSS.escape(error.field)}"]`) : null;
    const prefix = `${error.field}: `;
    const message = sentence(String(error.message || '').startsWith(prefix)
      ? error.message.slice(prefix.length) : error.message);
    if (!box) {
      formError.replaceChildren(h('p', {}, message));
      formError.hidden = false;
      if (focus) formError.focus();
      return;
    }
    box.classList.add('has-error');
    const slot = box.querySelector('[data-error]');
    slot.textContent = message;
    slot.hidden = false;
    const input = box.querySelector('input:checked, input:enabled, select');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      if (focus) input.focus();
    }
    announce(message);
  }

  function brokenFields(body) {
    const values = { 'customer.name': body.customer.name, 'customer.email': body.customer.email,
                     'customer.phone': body.customer.phone };
    const broken = Object.keys(values).filter((field) => field in rules)
      .map((field) => ({ field, message: brokenRule(rules[field], values[field]) }))
      .filter((error) => error.message);
    if (!body.plan_id) broken.unshift({ field: 'plan_id', message: 'Choose a plan' });
    return broken;
  }

  function keyFor(body) {
    const fingerprint = JSON.stringify(body);
    if (!keys.has(fingerprint)) {
      keys.set(fingerprint, window.crypto.randomUUID ? window.crypto.randomUUID()
        : Array.from(window.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));
    }
    return keys.get(fingerprint);
  }

  function done(text) {
    working = false;
    button.disabled = false;
    formStatus.textContent = text || '';
  }

  async function start(subscription) {
    const status = { onStatus: (text) => { formStatus.textContent = text; } };
    try {
      if (subscription.gateway === 'stripe') window.GallaPay.goToStripe(subscription.stripe, status);
      else await window.GallaPay.openRazorpaySubscription(subscription.subscription_id, subscription.razorpay, undefined, status);
    } catch (error) {
      done();
      showError({ message: error.message || "The payment window couldn't open." }, true);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (working) return;
    clearErrors();
    const body = readForm();
    const broken = brokenFields(body);
    if (broken.length) {
      broken.forEach((error, i) => showError(error, i === 0));
      return;
    }
    working = true;
    button.disabled = true;
    formStatus.textContent = 'Setting up your subscription…';
    let result;
    try {
      result = await request('POST', '/api/subscriptions', { json: body, headers: { 'Idempotency-Key': keyFor(body) } });
    } catch (error) {
      done();
      showError({ message: error.message }, true);
      return;
    }
    if (!result.ok) {
      done();
      showError(apiError(result), true);
      return;
    }
    await start(result.data);
  });
})();
