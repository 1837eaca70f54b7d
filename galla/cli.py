"""The `galla` command: serve the shop, seed the catalog, or reconcile orders with the gateways."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from aiohttp import web

from galla.admin.auth import ADMIN_PASSWORD
from galla.app import DEFAULT_SELF_URL, create_app, shop_for
from galla.ops.collector import freeze_at_startup, freezes_collections
from galla.ops.logs import AccessLogger, configure_logging, settings_secrets
from galla.orders.reconcile import ReconcileReport
from galla.settings import Settings, SettingsError, check_public_url
from galla.store.db import ensure_indexes, open_database
from galla.store.products import seed_products
from galla.web.state import SETTINGS
from galla.workers.reconciler import reconcile_if_leased, reconcile_pass


def loopback_url(host: str, port: int) -> str:
    """The URL this process can reach itself at, whatever address it listens on."""
    reach = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{reach}:{port}"


# What `galla serve` says of a gateway left without keys while the other has them: it is off, not a sandbox.
OFF_LINES = {
    "stripe": "Stripe: off (STRIPE_SECRET_KEY is not set): buyers outside India are told the shop takes payments "
    "only in India for now, and there is no failover",
    "razorpay": "Razorpay: off (RAZORPAY_KEY_ID is not set): buyers in India pay by card through Stripe in rupees",
}

WEBHOOK_SECRET_SETTINGS = {
    "razorpay": ("Razorpay", "RAZORPAY_WEBHOOK_SECRET"),
    "stripe": ("Stripe", "STRIPE_WEBHOOK_SECRET"),
}


def webhook_secret_warnings(settings: Settings) -> list[str]:
    """What `galla serve` says of a live gateway without a webhook secret: every delivery will be refused."""
    secrets = {"razorpay": settings.razorpay_webhook_secrets, "stripe": settings.stripe_webhook_secrets}
    return [
        f"{name}: {variable} is not set: every webhook delivery will be refused (400) until it is, and the "
        "gateway disables an endpoint that keeps failing (docs/GOING_LIVE.md)"
        for gateway, (name, variable) in WEBHOOK_SECRET_SETTINGS.items()
        if gateway in settings.keyed_gateways and not secrets[gateway]
    ]


def serve(args: argparse.Namespace) -> None:
    """Run the HTTP server until interrupted."""
    settings = Settings()
    try:
        app = create_app(settings, self_url=loopback_url(args.host, args.port))
        check_public_url(settings)
    except SettingsError as exc:
        print(f"galla serve: {exc}", file=sys.stderr)
        sys.exit(2)
    if settings.razorpay_sandbox:
        print("Razorpay: sandbox mounted at /sandbox/razorpay (no keys set; payments are simulated)", flush=True)
    if settings.stripe_sandbox:
        print("Stripe: sandbox mounted at /sandbox/stripe (no keys set; card payments are simulated)", flush=True)
    for gateway in sorted(settings.off_gateways):
        print(OFF_LINES[gateway], flush=True)
    for warning in webhook_secret_warnings(settings):
        print(warning, file=sys.stderr, flush=True)
    effective = app[SETTINGS]  # with the sandboxes' generated keys, which are secrets too
    configure_logging(settings.log_format, settings.log_level, [*settings_secrets(effective), app[ADMIN_PASSWORD]])
    # The process is this one server's alone (tests build many apps in one process, and never freeze).
    if freezes_collections(settings):
        app.on_startup.append(freeze_at_startup)
    # Said once the socket listens, after the startup logs, so the address and the password are the last lines.
    ready = ready_lines(app, settings, loopback_url(args.host, args.port))
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        print=lambda _: print(*ready, sep="\n", flush=True),
        access_log_class=AccessLogger,
        loop=new_event_loop(),
    )


def ready_lines(app: web.Application, settings: Settings, served: str) -> list[str]:
    """What `galla serve` prints when it listens: the one URL to open and, for a demo run, the admin's password."""
    public = app[SETTINGS].public_url.rstrip("/")  # PUBLIC_URL, or the served address when it is unset
    where = f" (this process listens on {served})" if public != served else ""
    lines = ["", f"Galla is ready. Open {public}/ in your browser{where}."]
    if settings.admin_password is None:
        # Shown once, to whoever started the server, and never logged.
        lines.append(f"Admin: {public}/admin/login, password {app[ADMIN_PASSWORD]} (set ADMIN_PASSWORD to choose one)")
    return [*lines, "Press Ctrl-C to stop.", ""]


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop (libuv: its sockets cost about half of asyncio's), or asyncio's where it is missing."""
    try:
        import uvloop
    except ImportError:  # Windows, or a platform without a wheel: the same server, a little slower
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def seed(args: argparse.Namespace) -> None:
    """Create indexes and fill an empty catalog with the demo products."""
    settings = Settings()
    if not settings.mongodb_uri:
        print("MONGODB_URI is not set: seeding the embedded store would be lost at exit.")
        sys.exit(2)

    async def run() -> int:
        database = open_database(settings.mongodb_uri, settings.mongodb_db)
        try:
            await ensure_indexes(database.db)
            return await seed_products(database.db)
        finally:
            database.close()

    print(f"added {asyncio.run(run())} products")


def reconcile_once(args: argparse.Namespace) -> None:
    """Run one reconciliation pass against the configured MongoDB and gateways, and print what changed."""
    settings = Settings()
    if not settings.mongodb_uri:
        print("MONGODB_URI is not set: the embedded store of this process holds no orders to reconcile.")
        sys.exit(2)
    if settings.razorpay_sandbox or settings.stripe_sandbox:
        print(
            "Razorpay and Stripe keys are needed: a sandbox lives inside `galla serve`; use "
            "POST /api/admin/reconcile there."
        )
        sys.exit(2)
    try:
        check_public_url(settings)  # the receipts a pass sends link to the order page
    except SettingsError as exc:
        print(f"galla reconcile: {exc}", file=sys.stderr)
        sys.exit(2)
    # Test keys without PUBLIC_URL: order links point where a default `galla serve` listens.
    report = asyncio.run(run_reconcile(settings.served_at(DEFAULT_SELF_URL), force=args.force))
    if report is None:
        print("another process holds the reconcile lease; try again later or pass --force")
        sys.exit(1)
    print(json.dumps(report.to_dict(), indent=2))


async def run_reconcile(settings: Settings, *, force: bool) -> ReconcileReport | None:
    """Open the database and gateway clients, run one pass (under the lease unless forced), close them."""
    database = open_database(settings.mongodb_uri, settings.mongodb_db)
    try:
        async with shop_for(settings, database) as shop:
            if force:
                return await reconcile_pass(shop, settings)
            return await reconcile_if_leased(shop, settings)
    finally:
        database.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `galla` console script."""
    parser = argparse.ArgumentParser(prog="galla", description="Galla checkout server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the shop's HTTP server")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8080)
    serve_cmd.set_defaults(run=serve)
    seed_cmd = commands.add_parser("seed", help="add the demo products to an empty catalog")
    seed_cmd.set_defaults(run=seed)
    reconcile_cmd = commands.add_parser("reconcile", help="look up stale orders and open refunds at the gateways")
    reconcile_cmd.add_argument("--force", action="store_true", help="run even if another process holds the lease")
    reconcile_cmd.set_defaults(run=reconcile_once)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args.run(args)


if __name__ == "__main__":
    main()
