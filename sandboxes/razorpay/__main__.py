"""Run the Razorpay sandbox on its own: python -m sandboxes.razorpay --port 9010."""

from __future__ import annotations

import argparse
import secrets

from aiohttp import web

from ..common import cli
from ..common.faults import apply_failure_args
from .app import create_razorpay_sandbox
from .config import SANDBOX_FAULTS
from .ids import new_id


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line; keys left out are generated."""
    parser = argparse.ArgumentParser(prog="python -m sandboxes.razorpay", description=__doc__)
    cli.add_serving_options(parser, 9010)
    parser.add_argument("--key-id", help="test key id (default: a fresh rzp_test_ key)")
    parser.add_argument("--key-secret", help="test key secret (default: a fresh random secret)")
    cli.add_delivery_options(parser, "webhook secret (default with --webhook-url: a fresh one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted, after printing where it is and which key it takes."""
    args = parse_args(argv)
    key_id = args.key_id or new_id("rzp_test_")
    key_secret = args.key_secret or secrets.token_urlsafe(24)
    webhook_secret = cli.read_webhook_secret(args, lambda: secrets.token_urlsafe(18))
    app = create_razorpay_sandbox(
        key_id=key_id,
        key_secret=key_secret,
        webhook_secret=webhook_secret,
        **cli.passed_on(args, *cli.DELIVERY_OPTIONS),
    )
    apply_failure_args(app[SANDBOX_FAULTS].failures, args.fail, args.seed)
    url = f"http://{args.host}:{args.port}"
    keys = [f"  key id:      {key_id}"]
    if not args.key_secret:
        keys.append(f"  key secret:  {key_secret}  (generated; pass --key-secret to choose one)")
    cli.announce(
        [
            f"Razorpay sandbox on {url} (test mode, no real money moves)",
            *keys,
            f"  REST API:    {url}/v1/   checkout.js: {url}/v1/checkout.js",
            *cli.webhook_lines(args, webhook_secret, ("webhooks:    ", "webhook secret: "), " to choose one"),
        ]
    )
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
