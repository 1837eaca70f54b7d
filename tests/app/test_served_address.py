"""Issue 26 item 1: `galla serve --port N` with PUBLIC_URL unset says the one URL to open, and every URL a buyer is
sent to (Stripe's hosted page, the way back from it) is on that port, not :8080."""

from __future__ import annotations

import re

import aiohttp
import pytest
from support.addresses import US_BILLING, US_SHIPPING_FORM, shipping_address
from support.galla_serve import galla_serve

from galla.app import create_app
from galla.cli import main as galla
from galla.ops.logs import is_quiet
from galla.settings import Settings, SettingsError, check_public_url
from galla.web.state import SETTINGS

# Jane Doe buys a shawl from the US: the checkout goes to Stripe (the sandbox, as no key is set).
US_CHECKOUT = {
    "items": [{"product_id": "pashmina-shawl", "quantity": 1}],
    "customer": {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 202 555 0143"},
    "country": "US",
    "shipping_address": shipping_address("US"),
}
CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12 / 34", "card_cvc": "123", "card_name": "Jane Doe"}


async def test_a_stripe_buyer_goes_and_comes_back_on_the_port_served(tmp_path, unused_tcp_port):
    async with galla_serve(tmp_path, unused_tcp_port) as served:
        assert served.url == f"http://127.0.0.1:{unused_tcp_port}"
        printed = "".join(served.printed)
        assert f"Galla is ready. Open {served.url}/ in your browser." in printed
        assert f"Admin: {served.url}/admin/login, password " in printed  # after the startup lines, not above them
        async with aiohttp.ClientSession() as http:
            resp = await http.post(served.url + "/api/checkout", json=US_CHECKOUT)
            placed = await resp.json()
            assert resp.status == 201, placed
            hosted = placed["stripe"]["url"]
            assert hosted.startswith(f"{served.url}/sandbox/stripe/c/pay/cs_test_"), hosted

            form = {"email": "jane@example.com", **CARD, **US_BILLING, **US_SHIPPING_FORM}
            resp = await http.post(hosted, data=form, allow_redirects=False)
            back = resp.headers["Location"]
            assert resp.status == 303 and back.startswith(f"{served.url}/orders/{placed['order_id']}?session_id="), back
            page = await http.get(back)
            assert page.status == 200 and "Paid" in await page.text()
            for path in (
                "/",
                "/cart",
                "/checkout",
                back.removeprefix(served.url),
                "/healthz",
                "/readyz",
                "/favicon.ico",
            ):
                await get_with_its_files(http, served.url, path)
            missing = await http.get(served.url + "/static/css/no-such.css")
            assert missing.status == 404
    # Read once the server has stopped: aiohttp writes an access line after its answer has gone out.
    logged = [(r["method"], r["path"], r["status"]) for r in served.log_records() if "path" in r]
    assert ("GET", "/cart", 200) in logged and ("GET", "/static/css/no-such.css", 404) in logged  # errors are kept
    quiet = [line for line in logged if is_quiet(*line)]
    assert quiet == [], f"static files or probes answered well, logged: {quiet}"


async def get_with_its_files(http: aiohttp.ClientSession, base: str, path: str) -> None:
    """GET a page and the stylesheets, scripts and images it names, as a browser would."""
    async with http.get(base + path) as resp:
        assert resp.status == 200, path
        html = await resp.text()
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        async with http.get(base + asset) as resp:
            assert resp.status == 200, asset


def test_an_unset_public_url_is_the_served_address_for_every_reader():
    app = create_app(Settings(_env_file=None), self_url="http://127.0.0.1:18080")
    assert app[SETTINGS].public_url == "http://127.0.0.1:18080"
    kept = create_app(Settings(_env_file=None, public_url="https://shop.example.in"), self_url="http://127.0.0.1:1")
    assert kept[SETTINGS].public_url == "https://shop.example.in"


@pytest.mark.parametrize(
    "keys",
    [{"stripe_secret_key": "sk_live_x"}, {"razorpay_key_id": "rzp_live_x", "razorpay_key_secret": "s"}],
    ids=["stripe", "razorpay"],
)
def test_live_keys_need_a_public_url_test_keys_do_not(keys):
    """Live keys start sk_live_/rk_live_ (docs.stripe.com/api/authentication) and rzp_live_ (Razorpay's API keys
    page): a real buyer cannot come back to 127.0.0.1. A test key may: the developer's browser is on this machine."""
    with pytest.raises(SettingsError, match="PUBLIC_URL is not set"):
        check_public_url(Settings(_env_file=None, **keys))
    check_public_url(Settings(_env_file=None, public_url="https://shop.example.in", **keys))
    check_public_url(Settings(_env_file=None, stripe_secret_key="sk_test_x"))


@pytest.mark.parametrize("command", ["serve", "reconcile"])
def test_galla_refuses_to_start_with_live_keys_and_no_public_url(command, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("PUBLIC_URL", "RAZORPAY_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_x")
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-enough-password")
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:9/galla")  # never reached: refused first
    with pytest.raises(SystemExit) as exit_:
        galla([command])
    assert exit_.value.code == 2 and "PUBLIC_URL is not set" in capsys.readouterr().err
