"""Run the Razorpay sandbox on its own: python -m sandboxes.razorpay --port 9010."""

from __future__ import annotations

import argparse
import secrets

from aiohttp import web

from sandboxes.common.gcfreeze import keep_survivors_frozen

from ..common.faults import add_failure_options, apply_failure_args
from .app import create_razorpay_sandbox
from .config import SANDBOX_FAULTS
from .ids import new_id


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line; keys left out are generated."""
    parser = argparse.ArgumentParser(prog="python -m sandboxes.razorpay", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9010)
    parser.add_argument("--key-id", help="test key id (default: a fresh rzp_test_ key)")
    parser.add_argument("--key-secret", help="test key secret (default: a fresh random secret)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every /v1 call")
    add_failure_options(parser)
    parser.add_argument(
        "--webhook-parallel",
        type=int,
        default=1,
        metavar="N",
        help="first webhook deliveries in flight at once (default 1: one by one, in order)",
    )
    parser.add_argument("--webhook-url", help="where to POST signed webhooks (default: send none)")
    parser.add_argument("--webhook-secret", help="webhook secret (default with --webhook-url: a fresh one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted, after printing where it is and which key it takes."""
    args = parse_args(argv)
    key_id = args.key_id or new_id("rzp_test_")
    key_secret = args.key_secret or secrets.token_urlsafe(24)
    webhook_secret = args.webhook_secret or (secrets.token_urlsafe(18) if args.webhook_url else None)
    app = create_razorpay_sandbox(
        key_id=key_id,
        key_secret=key_secret,
        latency=args.latency,
        webhook_url=args.webhook_url,
        webhook_secret=webhook_secret,
        webhook_parallel=args.webhook_parallel,
    )
    apply_failure_args(app[SANDBOX_FAULTS].failures, args.fail, args.seed)
    url = f"http://{args.host}:{args.port}"
    print(f"Razorpay sandbox on {url} (test mode, no real money moves)", flush=True)
    print(f"  key id:      {key_id}", flush=True)
    if not args.key_secret:
        print(f"  key secret:  {key_secret}  (generated; pass --key-secret to choose one)", flush=True)
    print(f"  REST API:    {url}/v1/   checkout.js: {url}/v1/checkout.js", flush=True)
    if args.webhook_url:
        print(f"  webhooks:    {args.webhook_url}", flush=True)
        generated = "" if args.webhook_secret else "  (generated; pass --webhook-secret to choose one)"
        print(f"  webhook secret: {webhook_secret}{generated}", flush=True)
    keep_survivors_frozen()  # its entities pile up: full collections would stall every caller
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
