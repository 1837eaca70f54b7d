"""The reconciliation job inside the server: every few minutes, in one process at a time (a MongoDB lease);
it applies the webhook events left stored but unapplied, then reconciles orders and refunds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from galla.orders.context import Shop
from galla.orders.reconcile import ReconcilePolicy, ReconcileReport, reconcile
from galla.settings import Settings
from galla.store.leases import acquire_lease
from galla.web.state import SETTINGS, SHOP
from galla.webhooks.receive import DEFERRED, apply_stored_events

log = logging.getLogger("galla.reconcile")
LEASE = "reconcile"
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def reconcile_policy(settings: Settings) -> ReconcilePolicy:
    """The settings' reconciliation thresholds."""
    return ReconcilePolicy(
        pending_after=timedelta(seconds=settings.reconcile_after), expire_after=timedelta(seconds=settings.order_expiry)
    )


async def reconcile_pass(shop: Shop, settings: Settings) -> ReconcileReport:
    """One pass: first the webhook events stored but not applied (the ledger job), then the orders and refunds."""
    applied = await apply_stored_events(shop.for_webhook())
    report = await reconcile(shop, reconcile_policy(settings))
    for receipt in applied:
        if receipt.outcome.startswith(DEFERRED):
            report.errors.append(f"{receipt.gateway} event {receipt.event_id}: {receipt.outcome}")
        elif receipt.order_id is not None:
            report.changed.setdefault(receipt.order_id, f"{receipt.type}: {receipt.outcome}")
    return report


async def reconcile_if_leased(shop: Shop, settings: Settings, holder: str = HOLDER) -> ReconcileReport | None:
    """Run one pass if this process holds (or takes) the lease; None when another process has it."""
    # The lease outlives one interval a little, so a slow pass is not joined by a second process.
    if not await acquire_lease(shop.db, LEASE, holder, max(settings.reconcile_interval * 1.5, 60)):
        return None
    return await reconcile_pass(shop, settings)


async def run_periodically(app: web.Application) -> None:
    """Reconcile every RECONCILE_INTERVAL seconds until cancelled; a failed pass is logged, never fatal."""
    settings = app[SETTINGS]
    while True:
        await asyncio.sleep(settings.reconcile_interval)
        try:
            report = await reconcile_if_leased(app[SHOP], settings)
        except Exception:
            log.exception("reconciliation pass failed; trying again in %s s", settings.reconcile_interval)
            continue
        if report is not None and (report.changed or report.errors):
            log.info("reconciled: %s", report.to_dict())


async def reconcile_ctx(app: web.Application) -> AsyncIterator[None]:
    """Start the periodic job with the app (unless RECONCILE_INTERVAL is 0) and stop it at exit."""
    if app[SETTINGS].reconcile_interval <= 0:
        yield
        return
    task = asyncio.create_task(run_periodically(app), name="galla-reconcile")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
