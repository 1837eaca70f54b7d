"""Issue 24 item 20 (review round): some trusted proxies write the client's address with its source port in
X-Forwarded-For (Azure Application Gateway writes "IP:port", and documents a rewrite to drop the port for backends
that cannot read it: azure.microsoft.com/blog/rewrite-http-headers-with-azure-application-gateway). The port changes
with every connection, so each request was a new client to the rate limits and the sign-in throttle: the address
is read without its port.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from galla.web import ratelimit


@pytest.mark.parametrize(
    "entry,expected",
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("203.0.113.7:1", "203.0.113.7"),
        ("[2001:db8:1:2::7]:443", "2001:db8:1:2::/64"),
        ("[2001:db8:1:2::7]", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::7", "2001:db8:1:2::/64"),
    ],
)
def test_item20_an_address_the_trusted_proxy_wrote_with_a_port_is_one_client(entry, expected):
    request = make_mocked_request("GET", "/", headers=CIMultiDict({"X-Forwarded-For": f"198.51.100.2, {entry}"}))
    assert ratelimit.client_address(request.clone(remote="10.0.0.2"), 1) == expected
