"""Issue 26, item 14: every admin page has its own footer, with the shop's legal details (SHOP_* settings), the
Galla version, the API docs and, for a signed-in session, sign-out."""

from __future__ import annotations

from importlib.metadata import version

from support.admin import hidden_token, sign_in
from support.app import ADMIN
from support.stripe_sandbox import parse

DETAILS = {
    "shop_name": "Chai Corner",
    "shop_legal_name": "Chai Corner Traders LLP",
    "shop_address": "12 MG Road, Bengaluru 560001, Karnataka",
    "shop_email": "hello@chaicorner.example",
    "shop_phone": "+91 80 4000 1234",
}


async def test_item14_the_admin_footer_names_the_shop_its_galla_and_the_api_docs(make_client):
    client = await make_client(**DETAILS)
    for path in ("/admin/login", "/admin", "/admin/orders", "/admin/products", "/admin/outbox"):
        resp = await client.get(path, headers=ADMIN)
        page = parse(await resp.text())
        assert resp.status == 200 and "admin-footer" in page.testids(), path
        shop = page.text("admin-footer-shop")
        assert shop == (
            "Chai Corner Traders LLP trading as Chai Corner 12 MG Road Bengaluru 560001 Karnataka "
            "hello@chaicorner.example +91 80 4000 1234"
        ), (path, shop)
        assert page.text("galla-version") == f"Galla {version('galla')}"
        assert '<a href="/api/docs">API docs</a>' in await resp.text()
        assert '<a href="tel:+918040001234">' in await resp.text()
        assert "footer-sign-out" not in page.testids()  # HTTP Basic has no session to end


async def test_item14_a_signed_in_owner_can_sign_out_from_the_footer_and_is_told_the_address_is_unset(client):
    await sign_in(client)
    page = parse(await (await client.get("/admin/orders")).text())
    assert "footer-sign-out" in page.testids()
    assert page.text("admin-footer-shop") == "Galla No address yet: set SHOP_ADDRESS for receipts."
    await client.post("/admin/logout", data={"csrf_token": hidden_token(await (await client.get("/admin")).text())})
    signed_out = parse(await (await client.get("/admin/login")).text())
    assert signed_out.text("admin-footer-shop") == "Galla"  # the setup hint is for the owner only
