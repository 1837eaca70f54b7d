"""Issue 24, item 20 (second half): behind a proxy the client's address is the one the trusted proxy added to
X-Forwarded-For, not one the client wrote.

A proxy appends the address it was connected from to the X-Forwarded-For it received (nginx's
$proxy_add_x_forwarded_for; Go's httputil.ReverseProxy documents the same, golang/go#36672), so with N trusted
proxies only the last N entries are theirs. aiohttp-remotes' XForwardedRelaxed(num) takes forwarded_for[-num]
(aio-libs/aiohttp-remotes aiohttp_remotes/x_forwarded.py).
"""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict
from support.abuse import order_body

from galla.settings import Settings
from galla.web import ratelimit


def request_with(*forwarded_for: str, peer: str = "10.0.0.2") -> web.Request:
    """A request from `peer` carrying each X-Forwarded-For line given."""
    headers = CIMultiDict(("X-Forwarded-For", line) for line in forwarded_for)
    request = make_mocked_request("GET", "/", headers=headers)
    return request.clone(remote=peer)


@pytest.mark.parametrize(
    "lines,hops,expected",
    [
        (("203.0.113.7",), 1, "203.0.113.7"),
        (("198.51.100.2, 203.0.113.7",), 1, "203.0.113.7"),  # the leftmost entry is the client's own claim
        (("198.51.100.2,203.0.113.7",), 1, "203.0.113.7"),
        (("198.51.100.2", "203.0.113.7"), 1, "203.0.113.7"),  # two header lines are one list
        (("1.1.1.1, 203.0.113.7, 10.0.0.9",), 2, "203.0.113.7"),  # two proxies: the outer one's entry
        (("203.0.113.7",), 2, "203.0.113.7"),  # fewer entries than hops: the leftmost there is
        ((), 1, "10.0.0.2"),  # no header: the peer
        (("198.51.100.2, 203.0.113.7",), 0, "10.0.0.2"),  # no trusted proxy: the header is ignored
    ],
)
def test_item20_the_client_is_the_entry_the_trusted_proxy_added(lines, hops, expected):
    assert ratelimit.client_address(request_with(*lines), hops) == expected


def test_item20_ipv6_clients_are_counted_by_their_64():
    """One subscriber holds a whole /64 (RFC 6177): per-address limits would give it 2**64 allowances."""
    same_64 = {ratelimit.limit_key("2001:db8:1:2:aaaa::1"), ratelimit.limit_key("2001:db8:1:2:bbbb::9")}
    assert same_64 == {"2001:db8:1:2::/64"}
    assert ratelimit.limit_key("2001:db8:1:3::1") != ratelimit.limit_key("2001:db8:1:2::1")
    assert ratelimit.limit_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert ratelimit.limit_key("203.0.113.7") == "203.0.113.7"


def test_item20_proxy_hops_come_from_the_settings():
    assert ratelimit.proxy_hops(Settings(_env_file=None)) == 0
    assert ratelimit.proxy_hops(Settings(_env_file=None, trust_forwarded_for=True)) == 1
    assert ratelimit.proxy_hops(Settings(_env_file=None, trusted_proxy_hops=2)) == 2
    with pytest.raises(ValueError):
        Settings(_env_file=None, trusted_proxy_hops=-1)


async def test_item20_a_forged_leftmost_entry_does_not_escape_the_checkout_limit(make_client):
    """Before, each checkout with a new made-up leftmost address counted as a new client."""
    client = await make_client(checkout_rate_limit="3/minute", trust_forwarded_for=True)
    for n in range(3):
        headers = {"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.7"}
        assert (await client.post("/api/checkout", json=order_body(), headers=headers)).status == 201
    resp = await client.post("/api/checkout", json=order_body(), headers={"X-Forwarded-For": "192.0.2.50, 203.0.113.7"})
    assert resp.status == 429


async def test_item20_two_trusted_proxies_count_the_outer_proxys_entry(make_client):
    client = await make_client(checkout_rate_limit="2/minute", trusted_proxy_hops=2)
    for n in range(2):
        headers = {"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.7, 10.0.0.9"}
        assert (await client.post("/api/checkout", json=order_body(), headers=headers)).status == 201
    headers = {"X-Forwarded-For": "192.0.2.77, 203.0.113.7, 10.0.0.9"}
    assert (await client.post("/api/checkout", json=order_body(), headers=headers)).status == 429
    headers = {"X-Forwarded-For": "203.0.113.8, 10.0.0.9"}
    assert (await client.post("/api/checkout", json=order_body(), headers=headers)).status == 201
