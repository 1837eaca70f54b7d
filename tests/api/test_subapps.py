"""Each area is an aiohttp sub-application owning its middlewares: the admin's sign-in and CSRF checks run for the
admin alone, and an unknown path answers in the form of the area it falls under."""

from __future__ import annotations

import aiohttp

from galla.admin.auth import ADMIN_PASSWORD, SESSION_COOKIE

QUOTE = {"items": [{"product_id": "masala-chai", "quantity": 1}], "country": "IN"}
FOREIGN_ORIGIN = {"Origin": "https://evil.example"}
WRONG_ADMIN = {"Authorization": aiohttp.encode_basic_auth("admin", "not-the-password")}


async def test_a_cross_site_post_to_the_api_is_not_refused_by_the_admins_csrf_check(client):
    resp = await client.post(
        "/api/checkout/quote", json=QUOTE, headers=FOREIGN_ORIGIN, cookies={SESSION_COOKIE: "no-such-session"}
    )
    assert resp.status == 200, await resp.text()


async def test_the_same_cross_site_post_to_the_admin_api_is_refused(client):
    resp = await client.post("/api/admin/reconcile", headers=FOREIGN_ORIGIN)
    assert (resp.status, (await resp.json())["error"]["code"]) == (403, "csrf_failed")


async def test_admin_credentials_are_never_looked_at_on_the_public_api(client):
    for _ in range(12):  # more than the failed sign-ins one address may make (SIGN_IN_LIMIT)
        resp = await client.get("/api/products", headers=WRONG_ADMIN)
        assert resp.status == 200
    # None was counted as a failed sign-in: the admin still gets in from this address.
    admin = {"Authorization": aiohttp.encode_basic_auth("admin", client.app[ADMIN_PASSWORD])}
    assert (await client.post("/api/admin/reconcile", headers=admin)).status == 200


async def test_an_unknown_api_path_answers_in_the_apis_envelope(client):
    resp = await client.get("/api/no-such-thing")
    assert resp.status == 404 and resp.content_type == "application/json"
    assert (await resp.json())["error"]["code"] == "not_found"
    assert resp.headers["Cache-Control"] == "no-store"


async def test_an_unknown_webhook_path_answers_in_the_apis_envelope(client):
    resp = await client.post("/webhooks/no-such-gateway", data=b"{}")
    assert (resp.status, resp.content_type) == (404, "application/json")
    assert (await resp.json())["error"]["code"] == "not_found"


async def test_an_unknown_admin_path_asks_a_stranger_to_sign_in(client):
    resp = await client.get("/admin/no-such-page", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/admin/login")


async def test_an_unknown_shop_path_is_a_page(client):
    resp = await client.get("/no-such-page")
    assert (resp.status, resp.content_type) == (404, "text/html")
    assert "Cache-Control" not in resp.headers


async def test_a_refused_method_on_a_probe_answers_in_the_apis_envelope(client):
    resp = await client.post("/healthz")
    assert (resp.status, resp.content_type) == (405, "application/json")
    assert (await resp.json())["error"]["code"] == "method_not_allowed"
