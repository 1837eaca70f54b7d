"""The command line both sandboxes share: where to serve, how slow and faulty to be, where webhooks go, and the
banner that says so."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .faults import add_failure_options
from .gcfreeze import keep_survivors_frozen

# What add_delivery_options reads that a sandbox's factory takes as given, under the same names.
DELIVERY_OPTIONS = ("latency", "webhook_url", "webhook_parallel")


def add_serving_options(parser: argparse.ArgumentParser, port: int) -> None:
    """--host and --port, with the sandbox's own default port."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)


def add_delivery_options(parser: argparse.ArgumentParser, secret_help: str) -> None:
    """--latency and the outage options for the REST API, then where and how webhooks are delivered."""
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
    parser.add_argument("--webhook-secret", help=secret_help)


def passed_on(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """Options the sandbox's factory takes as the command line gave them, by name."""
    return {name: getattr(args, name) for name in names}


def read_webhook_secret(args: argparse.Namespace, generate: Callable[[], str]) -> str | None:
    """The webhook secret given, a generated one when webhooks go out without one, else None."""
    return args.webhook_secret or (generate() if args.webhook_url else None)


def webhook_lines(args: argparse.Namespace, secret: str | None, labels: tuple[str, str], hint: str) -> list[str]:
    """The banner's lines about webhooks (none when none are sent); labels come padded to the banner's columns."""
    if not args.webhook_url:
        return []
    generated = "" if args.webhook_secret else f"  (generated; pass --webhook-secret{hint})"
    return [f"  {labels[0]}{args.webhook_url}", f"  {labels[1]}{secret}{generated}"]


def announce(lines: list[str]) -> None:
    """Print the banner, then freeze what lives: a sandbox's entities pile up, and full collections over them
    would stall every caller."""
    for line in lines:
        print(line, flush=True)
    keep_survivors_frozen()
