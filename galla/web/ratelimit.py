"""Per-client rate limits: a moving window per client in this process's memory, who the client is behind proxies,
and the limits on checkouts and on the public endpoints that call a gateway."""

from __future__ import annotations

import functools
import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable

import limits
from aiohttp import web
from aiohttp.typedefs import Handler

from galla.settings import Settings
from galla.web.middlewares import answer_error


class ClientLimiter:
    """One rate (e.g. "20/minute", read by `limits`) counted per client, in a moving window held by this process.

    Each client's hits are a deque of times, trimmed as it is read. limits' own asyncio memory storage was used
    here before: it expires windows in a task that hops to a thread for every client, on nearly every hit, which
    cost about 200 µs of CPU per checkout against a few µs for this.
    """

    def __init__(self, rate: str, clock: Callable[[], float] = time.monotonic) -> None:
        item = limits.parse(rate)
        self.limit, self.window, self.clock = item.amount, item.get_expiry(), clock
        self.hits: dict[str, deque[float]] = {}
        self.next_sweep = clock() + self.window

    def hit(self, client: str) -> int | None:
        """Count one request; None if it is allowed, else the seconds until the window frees a slot."""
        now = self.clock()
        self.forget_idle(now)
        hits = self.recent(client, now)
        if len(hits) >= self.limit:
            return self.seconds_to_wait(hits, now)
        hits.append(now)
        self.hits[client] = hits
        return None

    def retry_after(self, client: str) -> int | None:
        """Without counting anything: None if the client has room left, else the seconds to wait."""
        now = self.clock()
        hits = self.recent(client, now)
        return self.seconds_to_wait(hits, now) if len(hits) >= self.limit else None

    def recent(self, client: str, now: float) -> deque[float]:
        """The client's hits still inside the window (the older ones dropped)."""
        hits = self.hits.get(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def seconds_to_wait(self, hits: deque[float], now: float) -> int:
        """Whole seconds (at least 1) until the oldest request in the window leaves it."""
        return max(1, math.ceil(hits[0] + self.window - now))

    def forget_idle(self, now: float) -> None:
        """Once a window, drop the clients with no hit left inside it: memory follows the active clients."""
        if now >= self.next_sweep:
            self.hits = {client: hits for client, hits in self.hits.items() if hits and hits[-1] > now - self.window}
            self.next_sweep = now + self.window


class SignInThrottle:
    """Failed sign-ins counted per client address, so a stranger's guesses count against the stranger's own
    address (the one our trusted proxy saw, client_address) and never against the owner's.

    Only one account exists (admin), so a user name adds nothing to the key: any refused name counts. A guesser
    spread over many addresses gets fewer tries each: once `alarm` failures have come from everywhere in a window,
    every address is held to `guarded` instead of `rate`. One address cannot raise that alarm alone (it is refused
    after `rate` failures, and refusals are not failures), and an address with no failures of its own is never
    refused: the owner can still sign in during an attack. Nothing is locked for good; each window passes.
    """

    def __init__(self, rate: str, guarded: str, alarm: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.addresses = ClientLimiter(rate, clock)
        self.guarded = ClientLimiter(guarded, clock)
        self.everyone = ClientLimiter(alarm, clock)
        if self.everyone.limit <= self.addresses.limit:
            raise ValueError("the alarm must need more failures than one address may make")

    def retry_after(self, address: str) -> int | None:
        """None if this address may try a password now, else the seconds it must wait."""
        wait = self.addresses.retry_after(address)
        if wait is None and self.under_attack():
            wait = self.guarded.retry_after(address)
        return wait

    def failed(self, address: str) -> None:
        """Count one refused sign-in from this address."""
        self.addresses.hit(address)
        self.guarded.hit(address)
        self.everyone.hit("*")

    def under_attack(self) -> bool:
        """Whether the failures from everywhere have reached the alarm in the current window."""
        return self.everyone.retry_after("*") is not None


def proxy_hops(settings: Settings) -> int:
    """How many trusted proxies stand in front of Galla: TRUSTED_PROXY_HOPS, or 1 for TRUST_FORWARDED_FOR=true."""
    return settings.trusted_proxy_hops or (1 if settings.trust_forwarded_for else 0)


def client_address(request: web.Request, hops: int) -> str:
    """Who is asking, as a limit counts them: the peer, or behind `hops` trusted proxies the address the outermost
    of them added to X-Forwarded-For; an IPv6 address by its /64.

    Each proxy appends the address it was connected from to what it received, so only the last `hops` entries
    were written by proxies we trust; anything to their left is the client's own claim (aiohttp-remotes'
    XForwardedRelaxed(num) takes forwarded_for[-num] for the same reason: aio-libs/aiohttp-remotes
    aiohttp_remotes/x_forwarded.py). Header lines are one list, as RFC 9110 §5.3 joins repeated fields.
    """
    address = request.remote or "unknown"
    if hops:
        chain = [
            entry.strip()
            for line in request.headers.getall("X-Forwarded-For", ())
            for entry in line.split(",")
            if entry.strip()
        ]
        if chain:
            address = chain[-hops] if len(chain) >= hops else chain[0]
    return limit_key(address)


def limit_key(address: str) -> str:
    """An address as limits count it: IPv4 as it is, IPv6 by its /64 (one subscriber's usual share, RFC 6177),
    since one subscriber can pick any of 2**64 addresses in it; anything unreadable as it is."""
    try:
        parsed = ipaddress.ip_address(without_port(address))
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def without_port(address: str) -> str:
    """An address as some proxies write it, with the client's source port ("203.0.113.7:51234", "[2001:db8::7]:443",
    Azure Application Gateway's X-Forwarded-For), without it: the port changes with every connection."""
    if address.startswith("["):
        return address[1:].partition("]")[0]
    host, colon, port = address.rpartition(":")
    return host if colon and "." in host and ":" not in host and port.isdigit() else address


def too_many_requests(request: web.Request, retry_after: int, message: str) -> web.Response:
    """429 with Retry-After, in the API's envelope or as a page."""
    headers = {"Retry-After": str(retry_after)}
    response = answer_error(request, 429, "rate_limited", message, headers=headers)
    response.headers.update(headers)  # a page says when to try again too
    return response


class PublicLimits:
    """The per-client limits on public requests, held once for the whole server: the areas serving such requests
    (the API, the shop's order pages) share them, so a client's requests count together wherever they land."""

    def __init__(self, settings: Settings) -> None:
        self.hops = proxy_hops(settings)
        # Each limit: its counter, what it counts (for the message), and its rate as configured.
        self.checkouts = (ClientLimiter(settings.checkout_rate_limit), "checkouts", settings.checkout_rate_limit)
        self.gateway_calls = (
            ClientLimiter(settings.public_gateway_rate_limit),
            "payment requests",
            settings.public_gateway_rate_limit,
        )

    def refuse(self, request: web.Request, limit: tuple[ClientLimiter, str, str]) -> web.Response | None:
        """Count the request against the limit: None if allowed, else the 429 to answer with."""
        limiter, what, rate = limit
        retry_after = limiter.hit(client_address(request, self.hops))
        if retry_after is None:
            return None
        message = f"too many {what} from this address (at most {rate}); try again in {retry_after} s"
        return too_many_requests(request, retry_after, message)


PUBLIC_LIMITS = web.AppKey("public_limits", PublicLimits)


def limited(
    choose: Callable[[PublicLimits], tuple[ClientLimiter, str, str]],
    when: Callable[[web.Request], bool] = lambda request: True,
) -> Callable[[Handler], Handler]:
    """Count a public handler's requests (those `when` says) per client against one of the PublicLimits, before it
    runs: a stranger cannot spend the shop's gateway quota or open its circuit breaker."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def limited_handler(request: web.Request) -> web.StreamResponse:
            if when(request):
                public = request.config_dict[PUBLIC_LIMITS]
                if (refused := public.refuse(request, choose(public))) is not None:
                    return refused
            return await handler(request)

        return limited_handler

    return wrap


def calls_gateway(when: Callable[[web.Request], bool] = lambda request: True) -> Callable[[Handler], Handler]:
    """Mark a public handler that may call a gateway (when `when` says so for the request): its requests count per
    client against PUBLIC_GATEWAY_RATE_LIMIT."""
    return limited(lambda public: public.gateway_calls, when)


def places_orders(handler: Handler) -> Handler:
    """Mark the handler creating orders: its requests count per client against CHECKOUT_RATE_LIMIT."""
    # Replays of an Idempotency-Key count too: they cost a lookup, and a fair client rarely sends many.
    return limited(lambda public: public.checkouts)(handler)


def with_session_id(request: web.Request) -> bool:
    """Whether an order lookup carries Stripe's session_id, which makes the server ask Stripe about it."""
    return "session_id" in request.query
