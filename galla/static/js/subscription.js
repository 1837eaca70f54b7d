/* A subscription's page: once Stripe's return (?session_id=) is confirmed the address bar drops it (a reload
   or a shared link must not confirm it again); "Cancel at the end of this period" asks
   POST /api/subscriptions/{id}/cancel; "Manage in Stripe's portal" opens a fresh portal session. */
(() => {
  'use strict';

  const { request, apiError, sentence } = window.Galla;
  const errorBox = document.querySelector('[data-action-error]');
  const progress = document.querySelector('[data-action-status]');

  const here = new URL(window.location.href);
  if (here.searchParams.has('session_id')) {
    here.searchParams.delete('session_id');
    window.history.replaceState(null, '', here.pathname + here.search + here.hash);
  }

  function fail(result) {
    progress.textContent = '';
    errorBox.textContent = sentence(apiError(result).message);
    errorBox.hidden = false;
  }

  async function act(button, path, working, after) {
    button.disabled = true;
    errorBox.hidden = true;
    progress.textContent = working;
    const id = encodeURIComponent(button.dataset.subscriptionId);
    let result;
    try {
      result = await request('POST', `/api/subscriptions/${id}/${path}`, path === 'cancel' ? { json: { at_period_end: true } } : {});
    } catch (error) {
      result = { status: 0, data: { error: { message: error.message } } };
    }
    if (!result.ok) {
      button.disabled = false;
      fail(result);
      return;
    }
    after(result.data);
  }

  const cancel = document.querySelector('[data-cancel-button]');
  if (cancel) {
    cancel.addEventListener('click', () => act(cancel, 'cancel', 'Cancelling…', () => window.location.reload()));
  }

  const portal = document.querySelector('[data-portal-button]');
  if (portal) {
    portal.addEventListener('click', () => {
      act(portal, 'portal', "Opening Stripe's portal…", (data) => window.location.assign(data.url));
    });
  }
})();
