/* The checkout form's field rules as the pages check them before asking the API (the checkout and the plans
   page): galla/orders/field_rules.py's FieldRule.check, in JavaScript, on the rules the server renders
   (#field-rules) or serves (GET /checkout/rules/{country}).

   GallaFieldRules.brokenRule(rule, raw) → null when the value keeps the rule, else the message to show. */
(() => {
  'use strict';

  // The steps of galla/orders/field_rules.py's TIDY_STEPS, by the same names.
  const TIDY = {
    trim: (value) => value.trim(),
    one_space: (value) => value.split(/\s+/).filter(Boolean).join(' '),
    upper: (value) => value.toUpperCase(),
    no_spaces: (value) => value.split(/\s+/).join(''),
    phone: (value) => value.replace(/[\s().-]/g, ''),
  };

  /** What a field's rule says of a value, as FieldRule.check does: null when it keeps the rule, else the message. */
  function brokenRule(rule, raw) {
    const value = (rule.tidy || []).reduce((text, step) => TIDY[step](text), String(raw || ''));
    if (!value) return rule.required ? rule.missing : null;
    if (value.length > rule.max_length) return rule.too_long;
    if (rule.pattern && !new RegExp(`^(?:${rule.pattern})$`).test(value)) return rule.invalid;
    return null;
  }

  window.GallaFieldRules = Object.freeze({ brokenRule });
  // For the tests that hold every country's rules to the server's reading of them.
  window.GallaCheckoutRules = window.GallaFieldRules;
})();
