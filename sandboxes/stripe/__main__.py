"""Run the Stripe sandbox on its own: python -m sandboxes.stripe --port 9020."""

from __future__ import annotations

import argparse

from aiohttp import web

from sandboxes.common.gcfreeze import keep_survivors_frozen

from ..common.faults import add_failure_options, apply_failure_args
from .app import create_stripe_sandbox
from .config import STRIPE_SANDBOX_CONFIG, STRIPE_SANDBOX_FAULTS
from .ids import random_chars


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line; keys left out are generated."""
    parser = argparse.ArgumentParser(prog="python -m sandboxes.stripe", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9020)
    parser.add_argument("--secret-key", help="test secret key (default: a fresh sk_test_ key)")
    parser.add_argument("--publishable-key", help="test publishable key (default: a fresh pk_test_ key)")
    parser.add_argument("--public-url", help="where buyers reach the sandbox, if not at http://HOST:PORT")
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
    parser.add_argument("--webhook-secret", help="whsec_ signing secret (default with --webhook-url: a fresh one)")
    parser.add_argument(
        "--webhook-api-version", help="the API version webhooks are rendered in (default: the sandbox's own)"
    )
    parser.add_argument(
        "--country",
        default="IN",
        help="the account's country (default IN: no customer search, Stripe India's export rules)",
    )
    parser.add_argument(
        "--exports",
        choices=("goods", "services"),
        default="goods",
        help="what an Indian account exports (goods also need a shipping address)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted, after printing where it is and which keys it takes."""
    args = parse_args(argv)
    secret_key = args.secret_key or "sk_test_" + random_chars(24)
    url = f"http://{args.host}:{args.port}"
    webhook_secret = args.webhook_secret or ("whsec_" + random_chars(32) if args.webhook_url else None)
    app = create_stripe_sandbox(
        secret_key=secret_key,
        publishable_key=args.publishable_key,
        public_url=args.public_url,
        latency=args.latency,
        webhook_url=args.webhook_url,
        webhook_secret=webhook_secret,
        webhook_parallel=args.webhook_parallel,
        webhook_api_version=args.webhook_api_version,
        country=args.country,
        exports=args.exports,
    )
    apply_failure_args(app[STRIPE_SANDBOX_FAULTS].failures, args.fail, args.seed)
    print(f"Stripe sandbox on {url} (test mode, no real money moves)", flush=True)
    print(
        f"  secret key:       {secret_key}" + ("" if args.secret_key else "  (generated; pass --secret-key)"),
        flush=True,
    )
    print(f"  publishable key:  {app[STRIPE_SANDBOX_CONFIG].publishable_key}", flush=True)
    print(f"  REST API:         {url}/v1/   (SDK: base_addresses={{'api': '{url}'}})", flush=True)
    print(f"  hosted pages:     {args.public_url or url}/c/pay/<session id>", flush=True)
    if args.webhook_url:
        print(f"  webhooks:         {args.webhook_url}", flush=True)
        generated = "" if args.webhook_secret else "  (generated; pass --webhook-secret)"
        print(f"  webhook secret:   {webhook_secret}{generated}", flush=True)
    keep_survivors_frozen()  # its entities pile up: full collections would stall every caller
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
