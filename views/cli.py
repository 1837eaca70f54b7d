"""The `galla` command: serve the shop, or seed the catalog."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from aiohttp import web

from models.db import ensure_indexes, open_database
from models.products import seed_products
from views.app import EMBEDDED_BANNER, create_app
from views.settings import Settings


def loopback_url(host: str, port: int) -> str:
    """The URL this process can reach itself at, whatever address it listens on."""
    reach = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{reach}:{port}"


def serve(args: argparse.Namespace) -> None:
    """Run the HTTP server until interrupted."""
    settings = Settings()
    app = create_app(settings, self_url=loopback_url(args.host, args.port))
    print(f"Galla is serving on {loopback_url(args.host, args.port)}", flush=True)
    if settings.razorpay_sandbox:
        print("Razorpay: sandbox mounted at /sandbox/razorpay (no keys set; payments are simulated)",
              flush=True)
    if settings.stripe_sandbox:
        print("Stripe: sandbox mounted at /sandbox/stripe (no keys set; card payments are simulated)",
              flush=True)
    if not settings.mongodb_uri:
        print(f"MongoDB: {EMBEDDED_BANNER}", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None)


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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args.run(args)


if __name__ == "__main__":
    main()
