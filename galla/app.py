"""The app factory: the areas (API, webhooks, admin, shop) composed as sub-applications, templates, the database
and gateway clients, the sandboxes when keyless."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Middleware

from galla.admin.app import ADMIN_PREFIX, create_admin_api_app, create_admin_app
from galla.admin.auth import ADMIN_PASSWORD, admin_auth_middleware, generate_password
from galla.api import probes
from galla.api.app import API_PREFIX, create_api_app
from galla.jsonio import dumps
from galla.ops.collector import AcyclicTemplate
from galla.ops.looplag import loop_lag_ctx
from galla.ops.metrics import METRICS, Metrics, metrics_middleware
from galla.orders.addresses import address_lines
from galla.orders.calendar import shop_time
from galla.orders.context import Shop
from galla.payments.breaker import CircuitBreaker
from galla.payments.labels import METHOD_LABELS, gateway_label, method_label
from galla.payments.money import format_money
from galla.payments.razorpay.client import RazorpayClient, capture_window
from galla.payments.stripe.client import StripeGateway
from galla.settings import (
    SANDBOX_RAZORPAY_PATH,
    SANDBOX_STRIPE_PATH,
    Settings,
    check_admin_password,
    check_gateway_keys,
)
from galla.shop.app import add_shop
from galla.store.db import Database, ensure_indexes, open_database
from galla.store.products import seed_products
from galla.web.body import MAX_BODY_BYTES
from galla.web.middlewares import STAND_IN, error_middleware, request_id_middleware
from galla.web.ratelimit import PUBLIC_LIMITS, PublicLimits
from galla.web.security import security_headers_middleware
from galla.web.state import DATABASE, SANDBOXED, SETTINGS, SHOP, WEBHOOK_SHOP
from galla.webhooks.app import WEBHOOKS_PREFIX, create_webhooks_app
from galla.webhooks.receive import finish_applying
from galla.workers.mailer import mailer_ctx, mailer_settings
from galla.workers.reconciler import reconcile_ctx

log = logging.getLogger("galla")
T = TypeVar("T")
ROOT = Path(__file__).resolve().parent  # galla/: its templates and static files are package data
GATEWAY_CONNECTIONS = 1000  # per gateway, per process
# A webhook apply past its answer makes a few short calls (WEBHOOK_CALL_SECONDS each); the ledger job covers the rest.
SHUTDOWN_APPLY_SECONDS = 5.0
# Where an app built without self_url or PUBLIC_URL (the tests' in-process clients) says it is: `galla serve`'s default.
DEFAULT_SELF_URL = "http://127.0.0.1:8080"
EMBEDDED_BANNER = "Embedded in-memory MongoDB store (mongomock): all data is lost when the server stops."


def create_app(settings: Settings, *, db: Database | None = None, self_url: str | None = None) -> web.Application:
    """Build the app; db and self_url (where this server is reachable) are injectable for tests."""
    check_gateway_keys(settings)
    sandboxed = sandboxed_gateways(settings)
    self_url = (self_url or settings.public_url or DEFAULT_SELF_URL).rstrip("/")
    settings = settings.served_at(self_url)  # unset: buyers come back (from Stripe, to the admin) where it is served
    # Same code path as a real account: our clients speak HTTP to the sandboxes mounted here.
    if "razorpay" in sandboxed:
        settings = settings.with_razorpay_sandbox(self_url)
    if "stripe" in sandboxed:
        settings = settings.with_stripe_sandbox(self_url)
    # The root application is the shop's (errors as friendly pages); what applies to every response stays here.
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[
            request_id_middleware,
            metrics_middleware,
            security_headers_middleware(settings),
            error_middleware,
        ],
    )
    app[SETTINGS] = settings
    app[SANDBOXED] = sandboxed
    app[DATABASE] = db or open_database(settings.mongodb_uri, settings.mongodb_db)
    app[ADMIN_PASSWORD] = admin_password(settings, sandboxed)
    app[METRICS] = Metrics()
    app[PUBLIC_LIMITS] = PublicLimits(settings)
    setup_templates(app, settings, sandboxed)
    mount_areas(app, admin_auth_middleware(settings))
    if "razorpay" in sandboxed:
        mount_razorpay_sandbox(app, settings, self_url)
    if "stripe" in sandboxed:
        mount_stripe_sandbox(app, settings, self_url)
    app.on_shutdown.append(finish_webhook_applies)
    app.cleanup_ctx.append(database_ctx(owned=db is None))
    app.cleanup_ctx.append(shop_ctx)
    app.cleanup_ctx.append(reconcile_ctx)
    app.cleanup_ctx.append(mailer_ctx)
    app.cleanup_ctx.append(loop_lag_ctx)
    return app


def mount_areas(app: web.Application, guard: Middleware) -> None:
    """Compose the areas on the root application: the probes, the API (with the admin's API inside), the admin's
    pages, the webhooks, the shop's pages and the static files. guard signs the admin in (both admin parts)."""
    app.add_routes(probes.routes)
    app.add_subapp(API_PREFIX, create_api_app(create_admin_api_app(guard)))
    app.add_subapp(ADMIN_PREFIX, create_admin_app(guard))
    app.add_subapp(WEBHOOKS_PREFIX, create_webhooks_app())
    add_shop(app)
    app.router.add_static("/static", ROOT / "static", name="static")
    # Browsers ask for /favicon.ico on a page that names no icon (the Stripe sandbox's): a 404 logged on each view.
    app.router.add_get("/favicon.ico", send_to_favicon)


async def send_to_favicon(request: web.Request) -> web.Response:
    """Our icon, where browsers look for it by default."""
    raise web.HTTPMovedPermanently("/static/favicon.svg")


def admin_password(settings: Settings, sandboxed: frozenset[str]) -> str:
    """ADMIN_PASSWORD; with both gateways sandboxed and none set, a fresh one that `galla serve` prints.

    With a real gateway (settings here are the sandbox-swapped ones, so sandboxed tells which), a missing or
    short ADMIN_PASSWORD raises SettingsError. The generated password is never logged."""
    if len(sandboxed) < 2:
        check_admin_password(settings.admin_password)
    if settings.admin_password is not None:
        return settings.admin_password.get_secret_value()
    return generate_password()


def sandboxed_gateways(settings: Settings) -> frozenset[str]:
    """The gateways this app stands in for with its sandboxes: both when no gateway has keys, else none.

    With one gateway's keys set the other is off, never a sandbox: a sandbox beside a live gateway would mark
    orders paid with no money behind them (an international buyer "paying" on the Stripe sandbox)."""
    return frozenset({"razorpay", "stripe"}) if not settings.keyed_gateways else frozenset()


def setup_templates(app: web.Application, settings: Settings, sandboxed: frozenset[str]) -> None:
    """Jinja2 with autoescaping, the money filter and what every page shows."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        context_processors=[page_context],
    )
    env.template_class = AcyclicTemplate
    env.filters["money"] = lambda amount, currency: format_money(int(amount), currency)
    env.filters["ist"] = lambda at, fmt="%d %b %Y, %H:%M:%S IST": shop_time(at).strftime(fmt)
    env.filters["pretty_json"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False, default=str)
    env.globals.update(
        shop_name=settings.shop_name,
        shop_details=settings.shop_details,
        sandbox_mode=bool(sandboxed),
        sandboxed_gateways=sandboxed,
        live_gateways=settings.keyed_gateways,
        method_label=method_label,
        method_labels=METHOD_LABELS,
        gateway_label=gateway_label,
        razorpay_checkout_js=settings.razorpay_checkout_js,
    )
    env.globals["address_lines"] = address_lines  # a delivery address as label lines, in its country's order


async def page_context(request: web.Request) -> dict:
    """Per-request template values (the admin's pages add their own: galla.admin.app.admin_page_context)."""
    return {"embedded_store": request.config_dict[DATABASE].embedded}


def mount_razorpay_sandbox(app: web.Application, settings: Settings, self_url: str) -> None:
    """Serve the Razorpay stand-in under /sandbox/razorpay with this run's keys; it sends its webhooks here."""
    from sandboxes.razorpay import create_razorpay_sandbox

    sandbox = create_razorpay_sandbox(
        key_id=present(settings.razorpay_key_id),
        key_secret=present(settings.razorpay_key_secret).get_secret_value(),
        webhook_url=self_url + "/webhooks/razorpay",
        webhook_secret=present(settings.razorpay_webhook_secret).get_secret_value(),
    )
    sandbox[STAND_IN] = True
    app.add_subapp(SANDBOX_RAZORPAY_PATH, sandbox)


def mount_stripe_sandbox(app: web.Application, settings: Settings, self_url: str) -> None:
    """Serve the Stripe stand-in under /sandbox/stripe; its pages live at PUBLIC_URL, its webhooks come here."""
    from sandboxes.stripe import BusinessProfile, address_from_lines, create_stripe_sandbox

    public_url = settings.public_url.rstrip("/")
    details = settings.shop_details
    # The shop's details as a Stripe account's public ones, which its Checkout page shows buyers.
    business = BusinessProfile(
        name=details.name,
        icon_url=public_url + "/static/favicon.svg",
        legal_name=details.legal_name,
        support_email=details.email,
        support_phone=details.phone,
        support_address=address_from_lines(details.address_lines),
    )
    sandbox = create_stripe_sandbox(
        secret_key=present(settings.stripe_secret_key).get_secret_value(),
        publishable_key=settings.stripe_publishable_key,
        public_url=public_url + SANDBOX_STRIPE_PATH,
        webhook_url=self_url + "/webhooks/stripe",
        webhook_secret=present(settings.stripe_webhook_secret).get_secret_value(),
        business=business,
    )
    sandbox[STAND_IN] = True
    app.add_subapp(SANDBOX_STRIPE_PATH, sandbox)


def database_ctx(*, owned: bool):
    """Indexes and demo products at startup; close the client at exit if we opened it."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        database = app[DATABASE]
        if database.embedded:
            log.warning(EMBEDDED_BANNER)
        await ensure_indexes(database.db)
        added = await seed_products(database.db)
        if added:
            log.info("seeded an empty catalog with %d demo products", added)
        yield
        if owned:
            database.close()

    return ctx


async def finish_webhook_applies(app: web.Application) -> None:
    """At shutdown, before the gateway sessions and the database close: let webhook applies still running end."""
    await finish_applying(timeout=SHUTDOWN_APPLY_SECONDS)


async def shop_ctx(app: web.Application) -> AsyncIterator[None]:
    """The Shop the flows use, with one HTTP session per gateway, closed at exit; its metrics watch it."""
    metrics = app[METRICS]
    async with shop_for(
        app[SETTINGS], app[DATABASE], on_failover=metrics.count_failover, sandboxed=app[SANDBOXED]
    ) as shop:
        metrics.watch(shop)
        app[SHOP] = shop
        app[WEBHOOK_SHOP] = shop.for_webhook()  # made after watch(), so its copies report their calls too
        yield


@contextlib.asynccontextmanager
async def shop_for(
    settings: Settings,
    database: Database,
    *,
    on_failover: Callable[[str, str], None] | None = None,
    sandboxed: frozenset[str] = frozenset(),
) -> AsyncIterator[Shop]:
    """Build the Shop: a client per live gateway, each on its own aiohttp session, closed at exit; None for one
    that is off (no keys while the other has them). sandboxed: the gateways played by this app's own sandboxes."""
    live = settings.keyed_gateways
    razorpay = stripe = None
    if "razorpay" in live:
        razorpay = RazorpayClient(
            session=gateway_session(settings.razorpay_timeout),
            key_id=present(settings.razorpay_key_id),
            key_secret=present(settings.razorpay_key_secret).get_secret_value(),
            api_base=settings.razorpay_api_base,
            timeout=settings.razorpay_timeout,
            webhook_secrets=settings.razorpay_webhook_secrets,
            capture_window=capture_window(settings.order_expiry),
            breaker=circuit_breaker("razorpay", settings),
        )
    if "stripe" in live:
        stripe = StripeGateway(
            session=gateway_session(settings.stripe_timeout),
            secret_key=present(settings.stripe_secret_key).get_secret_value(),
            api_base=settings.stripe_api_url,
            timeout=settings.stripe_timeout,
            webhook_secrets=settings.stripe_webhook_secrets,
            breaker=circuit_breaker("stripe", settings),
        )
    try:
        yield Shop(
            db=database.db,
            razorpay=razorpay,
            stripe=stripe,
            public_url=settings.public_url,
            name=settings.shop_name,
            details=settings.shop_details,
            capture=settings.razorpay_capture,
            failover=settings.failover,
            on_failover=on_failover,
            holds_mail=not mailer_settings(settings).configured,
            sandboxed=sandboxed,
        )
    finally:
        for client in (razorpay, stripe):
            if client is not None:
                await client.session.close()


def present(value: T | None) -> T:
    """A setting this configuration has: a live gateway's keys (check_gateway_keys) or the sandbox's own."""
    if value is None:
        raise RuntimeError("a gateway setting is missing")  # check_gateway_keys refuses such settings first
    return value


def gateway_session(timeout: float) -> aiohttp.ClientSession:
    """One gateway's HTTP session, with room for as many calls in flight as busy shoppers make."""
    # aiohttp's default of 100 connections caps a shop at 100 gateway calls at once: at 100 ms a call, the rest
    # queue for a connection and the checkout waits on itself. Still bounded, so an outage can't open thousands.
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        json_serialize=dumps,
        connector=aiohttp.TCPConnector(limit=GATEWAY_CONNECTIONS),
    )


def circuit_breaker(gateway: str, settings: Settings) -> CircuitBreaker:
    """A gateway's circuit breaker as the settings tune it."""
    return CircuitBreaker(gateway, failures_to_open=settings.circuit_failures, cooldown=settings.circuit_cooldown)
