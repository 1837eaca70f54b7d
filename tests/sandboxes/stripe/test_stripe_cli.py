"""python -m sandboxes.stripe serves the sandbox on its own and says where, with which keys."""

from __future__ import annotations

import asyncio
import sys

import aiohttp
import pytest
from support.stripe_sandbox import session_params, stripe_client


@pytest.mark.slow
async def test_the_command_line_serves_the_api_and_the_hosted_page(unused_tcp_port_factory):
    port = unused_tcp_port_factory()
    key = "sk_test_cli0123456789"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandboxes.stripe",
        "--port",
        str(port),
        "--secret-key",
        key,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        banner = [(await asyncio.wait_for(proc.stdout.readline(), 10)).decode() for _ in range(5)]
        url = f"http://127.0.0.1:{port}"
        assert banner[0].startswith(f"Stripe sandbox on {url}")
        assert key in banner[1] and "pk_test_" in banner[2]
        for _ in range(100):  # the banner is printed just before the socket opens
            try:
                async with aiohttp.ClientSession() as http, http.get(url + "/") as resp:
                    assert resp.status == 200
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        async with stripe_client(url, key) as sdk:
            session = await sdk.v1.checkout.sessions.create_async(params=session_params())
        assert session.url == f"{url}/c/pay/{session.id}"
        async with aiohttp.ClientSession() as http, http.get(session.url) as resp:
            assert resp.status == 200 and "pay-button" in await resp.text()
    finally:
        proc.terminate()
        await proc.wait()


def test_the_command_line_takes_the_account_country_and_what_it_exports():
    from sandboxes.stripe.__main__ import parse_args

    assert (parse_args([]).country, parse_args([]).exports) == ("IN", "goods")
    args = parse_args(["--country", "US", "--exports", "services", "--webhook-api-version", "2025-03-31.basil"])
    assert (args.country, args.exports, args.webhook_api_version) == ("US", "services", "2025-03-31.basil")


def test_the_command_line_takes_the_business_buyers_see():
    """Issue 26 item 4: the account's public details, as Checkout shows a business's, from the command line."""
    from sandboxes.stripe.__main__ import parse_args

    args = parse_args(
        [
            "--business-name",
            "Kashmir Looms",
            "--icon-url",
            "https://looms.example/icon.png",
            "--legal-name",
            "Kashmir Looms Private Limited",
            "--support-email",
            "help@looms.example",
            "--support-phone",
            "+91 98765 43210",
            "--support-address",
            "12 Residency Road, Srinagar 190001, India",
        ]
    )
    business = args.business
    assert (business.name, business.icon_url, business.legal_name) == (
        "Kashmir Looms",
        "https://looms.example/icon.png",
        "Kashmir Looms Private Limited",
    )
    assert (business.support_email, business.support_phone) == ("help@looms.example", "+91 98765 43210")
    assert business.address_lines == ["12 Residency Road", "Srinagar 190001, India"]
    assert parse_args([]).business.support_address is None


def test_the_command_line_refuses_an_icon_that_is_not_an_absolute_url(capsys):
    from sandboxes.stripe.__main__ import parse_args

    with pytest.raises(SystemExit) as refused:
        parse_args(["--icon-url", "/static/favicon.svg"])
    assert refused.value.code == 2
    assert "icon_url must be an absolute http(s) URL" in capsys.readouterr().err
