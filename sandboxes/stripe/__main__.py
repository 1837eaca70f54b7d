"""Run the Stripe sandbox on its own: python -m sandboxes.stripe --port 9020."""

from __future__ import annotations

import argparse

from aiohttp import web

from ..common import cli
from ..common.faults import apply_failure_args
from ..common.ids import random_chars
from .account import BusinessProfile, address_from_lines
from .app import create_stripe_sandbox
from .config import STRIPE_SANDBOX_CONFIG, STRIPE_SANDBOX_FAULTS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line; keys left out are generated."""
    parser = argparse.ArgumentParser(prog="python -m sandboxes.stripe", description=__doc__)
    cli.add_serving_options(parser, 9020)
    parser.add_argument("--secret-key", help="test secret key (default: a fresh sk_test_ key)")
    parser.add_argument("--publishable-key", help="test publishable key (default: a fresh pk_test_ key)")
    parser.add_argument("--public-url", help="where buyers reach the sandbox, if not at http://HOST:PORT")
    cli.add_delivery_options(parser, "whsec_ signing secret (default with --webhook-url: a fresh one)")
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
    add_business_options(parser)
    args = parser.parse_args(argv)
    try:
        args.business = read_business(args)
    except ValueError as error:  # an --icon-url that is not an absolute http(s) URL
        parser.error(str(error))
    return args


def add_business_options(parser: argparse.ArgumentParser) -> None:
    """The account's public details the hosted page shows, as Checkout shows a business's."""
    group = parser.add_argument_group("the business buyers see (the account's public details and branding)")
    group.add_argument("--business-name", default=BusinessProfile.name, help="public business name (page header)")
    group.add_argument("--icon-url", help="absolute URL of the business's square icon, shown beside its name")
    group.add_argument("--legal-name", help="the company's legal name (page footer; default: the business name)")
    group.add_argument("--support-email", help="public support email (page footer)")
    group.add_argument("--support-phone", help="public support phone (page footer)")
    group.add_argument("--support-address", help='public support address, lines separated by ", " (page footer)')


def read_business(args: argparse.Namespace) -> BusinessProfile:
    """The account's public details as the command line gave them."""
    return BusinessProfile(
        name=args.business_name,
        icon_url=args.icon_url,
        legal_name=args.legal_name,
        support_email=args.support_email,
        support_phone=args.support_phone,
        support_address=address_from_lines((args.support_address or "").split(", ")),
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted, after printing where it is and which keys it takes."""
    args = parse_args(argv)
    secret_key = args.secret_key or "sk_test_" + random_chars(24)
    url = f"http://{args.host}:{args.port}"
    webhook_secret = cli.read_webhook_secret(args, lambda: "whsec_" + random_chars(32))
    options = ("publishable_key", "public_url", "webhook_api_version", "country", "exports", *cli.DELIVERY_OPTIONS)
    app = create_stripe_sandbox(
        secret_key=secret_key,
        webhook_secret=webhook_secret,
        business=args.business,
        **cli.passed_on(args, *options),
    )
    apply_failure_args(app[STRIPE_SANDBOX_FAULTS].failures, args.fail, args.seed)
    cli.announce(
        [
            f"Stripe sandbox on {url} (test mode, no real money moves)",
            f"  secret key:       {secret_key}" + ("" if args.secret_key else "  (generated; pass --secret-key)"),
            f"  publishable key:  {app[STRIPE_SANDBOX_CONFIG].publishable_key}",
            f"  REST API:         {url}/v1/   (SDK: base_addresses={{'api': '{url}'}})",
            f"  hosted pages:     {args.public_url or url}/c/pay/<session id>",
            *cli.webhook_lines(args, webhook_secret, ("webhooks:         ", "webhook secret:   "), ""),
        ]
    )
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
