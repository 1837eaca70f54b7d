"""Issue 26 items 4 and 14: in the demo, the mounted Stripe sandbox is the shop's account, so its Checkout page shows
the shop's SHOP_* details (name, legal name, address, email, phone) and the shop's icon, as Stripe Checkout shows an
account's public business details and branding icon (sandboxes/stripe/account.py cites the sources)."""

from __future__ import annotations

import aiohttp
from support.app import checkout_body
from support.shop_details import LOOMS_FOOTER, LOOMS_SETTINGS
from support.stripe_sandbox import parse

from galla.app import create_app
from galla.settings import Settings
from galla.web.state import SETTINGS


async def test_item4_the_demos_stripe_page_shows_the_shops_details(aiohttp_server, database, unused_tcp_port_factory):
    port = unused_tcp_port_factory()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(_env_file=None, public_url=base, reconcile_interval=0, **LOOMS_SETTINGS)
    app = create_app(settings, db=database, self_url=base)
    await aiohttp_server(app, port=port)
    key = app[SETTINGS].stripe_secret_key.get_secret_value()
    async with aiohttp.ClientSession(base_url=base) as http:
        async with http.post("/api/checkout", json=checkout_body(country="US")) as resp:
            assert resp.status == 201, await resp.text()
            url = (await resp.json())["stripe"]["url"]
        async with http.get(url) as resp:
            elements = parse(await resp.text())
        async with http.get("/sandbox/stripe/v1/account", headers={"Authorization": f"Bearer {key}"}) as resp:
            profile = (await resp.json())["business_profile"]
    assert elements.text("business-name") == "Kashmir Looms"
    assert elements.attrs("business-icon")["src"] == base + "/static/favicon.svg"
    assert elements.text("business-details") == LOOMS_FOOTER
    # The same details as the account's, in Stripe's wire shape.
    assert (profile["name"], profile["support_email"], profile["support_phone"]) == (
        "Kashmir Looms",
        "help@looms.example",
        "+91 98765 43210",
    )
