"""Security: admin credentials and sessions, CSRF and Origin checks, throttles, size limits, headers, no leaks."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from support.admin import hidden_token, sign_in
from support.app import ADMIN, ADMIN_PASSWORD, RazorpaySandbox, StripeSandbox, checkout_body, sandbox_settings

from galla.admin.auth import SESSION_COOKIE
from galla.app import create_app
from galla.cli import main as galla
from galla.settings import Settings, SettingsError
from galla.web.security import build_policy
from sandboxes.razorpay import create_razorpay_sandbox
from sandboxes.stripe import create_stripe_sandbox

REFUSED_BASIC = [
    {"Authorization": aiohttp.encode_basic_auth("admin", "wrong-password")},
    {"Authorization": aiohttp.encode_basic_auth("root", ADMIN_PASSWORD)},
    {"Authorization": aiohttp.encode_basic_auth("admin", ADMIN_PASSWORD + "x")},
    {"Authorization": "Basic !!!not-base64!!!"},
    {"Authorization": "Basic " + "YWRtaW4="},  # "admin", no colon
    {"Authorization": "Bearer " + ADMIN_PASSWORD},
]


def session_cookie(client) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == SESSION_COOKIE)


# -- admin credentials ------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", REFUSED_BASIC, ids=["password", "user", "longer", "base64", "colon", "bearer"])
async def test_forged_basic_credentials_are_refused(client, headers):
    resp = await client.get("/api/admin/orders/ord_x", headers=headers)
    assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Basic")
    assert (await resp.json())["error"]["code"] == "unauthorized"
    # People are sent to the sign-in form instead.
    resp = await client.get("/admin", headers=headers, allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/admin/login")


async def test_forged_expired_and_signed_out_sessions_are_refused(client, database):
    for forged in ("x" * 43, "", "a" * 5000):
        resp = await client.get("/api/admin/orders/ord_x", headers={"Cookie": f"{SESSION_COOKIE}={forged}"})
        assert resp.status == 401, forged

    await sign_in(client)
    expired = session_cookie(client)
    assert (await client.get("/api/admin/orders/ord_x")).status == 404  # signed in: the order is unknown
    await database.db.admin_sessions.update_one(
        {"_id": expired}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    assert (await client.get("/api/admin/orders/ord_x")).status == 401

    client.session.cookie_jar.clear()
    csrf = await sign_in(client)
    signed_out = session_cookie(client)
    resp = await client.post("/admin/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/admin/login")
    assert resp.cookies[SESSION_COOKIE].value == ""
    assert await database.db.admin_sessions.find_one({"_id": signed_out}) is None
    client.session.cookie_jar.clear()
    resp = await client.get("/api/admin/orders/ord_x", headers={"Cookie": f"{SESSION_COOKIE}={signed_out}"})
    assert resp.status == 401


async def test_a_wrong_password_on_the_form_is_refused_without_a_session(client, database):
    form = await client.get("/admin/login")
    resp = await client.post("/admin/login", data={"password": "guess", "csrf_token": hidden_token(await form.text())})
    assert resp.status == 401 and "That password is not right." in await resp.text()
    assert SESSION_COOKIE not in resp.cookies
    assert await database.db.admin_sessions.count_documents({}) == 0


async def test_the_sign_in_form_needs_its_own_csrf_token(client, database):
    token = hidden_token(await (await client.get("/admin/login")).text())
    # A cross-site page can post neither the cookie (SameSite=Strict) nor a token matching it.
    for data in ({"password": ADMIN_PASSWORD}, {"password": ADMIN_PASSWORD, "csrf_token": token + "x"}):
        resp = await client.post("/admin/login", data=data, allow_redirects=False)
        assert resp.status == 403 and "came from another site" in await resp.text()
    client.session.cookie_jar.clear()
    resp = await client.post(
        "/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    assert resp.status == 403
    assert await database.db.admin_sessions.count_documents({}) == 0


# -- CSRF: session tokens and Origin ---------------------------------------------------------------------


async def test_admin_posts_with_a_session_need_its_csrf_token(client):
    csrf = await sign_in(client)
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        resp = await client.post("/api/admin/reconcile", headers=headers)
        assert resp.status == 403, headers
        error = (await resp.json())["error"]
        assert error["code"] == "csrf_failed" and error["field"] == "X-CSRF-Token"
    resp = await client.post("/api/admin/reconcile", headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    # Forms carry it as a field; a page answers a missing one.
    resp = await client.post("/admin/logout", data={"csrf_token": "wrong"}, allow_redirects=False)
    assert resp.status == 403 and 'data-testid="error"' in await resp.text()
    resp = await client.post("/admin/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 303


async def test_cross_origin_admin_posts_are_refused_even_with_basic(client):
    own = str(client.make_url("")).rstrip("/")
    for origin in ("https://evil.example", "null", own.replace("127.0.0.1", "localhost")):
        resp = await client.post("/api/admin/reconcile", headers={**ADMIN, "Origin": origin})
        assert resp.status == 403, origin
        assert (await resp.json())["error"]["code"] == "csrf_failed"
    resp = await client.post(
        "/admin/login", data={"password": ADMIN_PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    assert resp.status == 403
    for origin in (own, "http://127.0.0.1:8080"):  # the request's own origin, and PUBLIC_URL's
        resp = await client.post("/api/admin/reconcile", headers={**ADMIN, "Origin": origin})
        assert resp.status == 200, origin
    assert (await client.post("/api/admin/reconcile", headers=ADMIN)).status == 200  # scripts send no Origin


async def test_failed_sign_ins_are_throttled_per_client(make_client):
    client = await make_client(trust_forwarded_for=True)
    attacker, admin = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.2"}
    token = hidden_token(await (await client.get("/admin/login")).text())
    for _ in range(5):
        resp = await client.post("/admin/login", data={"password": "guess", "csrf_token": token}, headers=attacker)
        assert resp.status == 401
        token = hidden_token(await resp.text())
    for headers in REFUSED_BASIC[:5]:
        assert (await client.get("/api/admin/orders/ord_x", headers={**headers, **attacker})).status == 401
    # Eleventh try: refused before the password is looked at, even the right one.
    resp = await client.get("/api/admin/orders/ord_x", headers={**ADMIN, **attacker})
    assert resp.status == 429 and (await resp.json())["error"]["code"] == "rate_limited"
    assert 800 < int(resp.headers["Retry-After"]) <= 900
    resp = await client.post("/admin/login", data={"password": ADMIN_PASSWORD, "csrf_token": token}, headers=attacker)
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0
    assert (await client.get("/api/admin/orders/ord_x", headers={**ADMIN, **admin})).status == 404


# -- request size limits ---------------------------------------------------------------------------------


def chunked(size: int):
    async def chunks():
        for _ in range(size // 1024):
            yield b"x" * 1024

    return chunks()


@pytest.mark.parametrize(
    "path", ["/api/checkout", "/webhooks/razorpay", "/webhooks/stripe", "/api/admin/orders/ord_x/refund"]
)
async def test_oversize_bodies_are_413_in_the_envelope(client, database, path):
    headers = {**ADMIN, "Content-Type": "application/json"}
    for body in (b"{" + b" " * (65 * 1024) + b"}", chunked(70 * 1024)):
        resp = await client.post(path, data=body, headers=headers)
        assert resp.status == 413, path
        error = (await resp.json())["error"]
        assert error["code"] == "body_too_large" and "65536" in error["message"], error
    assert await database.db.events.count_documents({}) == 0


async def test_oversize_admin_forms_are_413(client):
    csrf = await sign_in(client)
    for path in ("/admin/logout", "/admin/login"):
        for data in ({"csrf_token": csrf, "padding": "x" * (65 * 1024)}, chunked(70 * 1024)):
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            resp = await client.post(path, data=data, headers=headers, allow_redirects=False)
            assert resp.status == 413, path
            assert "That was more than we can take" in await resp.text()
    assert (await client.get("/admin")).status == 200  # still signed in


# -- the checkout's rate limit ---------------------------------------------------------------------------


async def test_checkouts_are_rate_limited_per_client(make_client):
    client = await make_client(checkout_rate_limit="3/minute")
    for _ in range(3):
        assert (await client.post("/api/checkout", json=checkout_body())).status == 201
    # A forged X-Forwarded-For is ignored when the proxy is not trusted.
    resp = await client.post("/api/checkout", json=checkout_body(), headers={"X-Forwarded-For": "192.0.2.9"})
    assert resp.status == 429
    error = (await resp.json())["error"]
    assert error["code"] == "rate_limited" and "3/minute" in error["message"]
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    assert (await client.get("/api/products")).status == 200  # only checkouts are limited

    client = await make_client(checkout_rate_limit="3/minute", trust_forwarded_for=True)
    first, second = {"X-Forwarded-For": "192.0.2.1, 10.0.0.1"}, {"X-Forwarded-For": "192.0.2.2"}
    for _ in range(3):
        # Replays of one Idempotency-Key count as well.
        resp = await client.post("/api/checkout", json=checkout_body(), headers={**first, "Idempotency-Key": "k1"})
        assert resp.status == 201
    assert (await client.post("/api/checkout", json=checkout_body(), headers=first)).status == 429
    assert (await client.post("/api/checkout", json=checkout_body(), headers=second)).status == 201


# -- headers ---------------------------------------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


async def test_security_headers_on_pages_and_the_api(client, razorpay_sandbox):
    for path, status in (
        ("/", 200),
        ("/checkout", 200),
        ("/api/products", 200),
        ("/nowhere", 404),
        ("/api/nowhere", 404),
        ("/admin/login", 200),
        ("/static/js/pay.js", 200),
    ):
        resp = await client.get(path)
        assert resp.status == status, path
        policy = directives(resp.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'", razorpay_sandbox.url]  # checkout.js is served elsewhere here
        assert policy["frame-src"] == ["'self'", razorpay_sandbox.url]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["default-src"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert not any("unsafe" in source for sources in policy.values() for source in sources)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "payment=(self)" in resp.headers["Permissions-Policy"]
        assert resp.headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
        assert "Strict-Transport-Security" not in resp.headers
        no_store = path.startswith(("/api/", "/admin"))
        assert (resp.headers.get("Cache-Control") == "no-store") == no_store, path
    resp = await client.get("/admin", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in resp.headers


async def test_https_shops_send_hsts_and_secure_cookies(make_client):
    client = await make_client(public_url="https://shop.example")
    resp = await client.get("/admin/login")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert resp.cookies["galla_csrf"]["secure"]


async def test_keyless_shop_allows_only_itself_and_leaves_the_sandbox_alone(aiohttp_client, database):
    client = await aiohttp_client(create_app(Settings(_env_file=None), db=database))
    shop_policy = (await client.get("/checkout")).headers["Content-Security-Policy"]
    policy = directives(shop_policy)
    assert policy["script-src"] == ["'self'"] and policy["frame-src"] == ["'self'"]
    for path in ("/sandbox/razorpay/v1/checkout.js", "/sandbox/razorpay/checkout/window", "/sandbox/stripe/"):
        resp = await client.get(path)
        # The stand-ins set their own headers, as Razorpay and Stripe do; none of ours.
        assert resp.headers.get("Content-Security-Policy") != shop_policy, path
        assert "X-Frame-Options" not in resp.headers, path  # the Razorpay window is framed by the shop
        assert "Permissions-Policy" not in resp.headers, path


def test_real_razorpay_policy_allows_its_hosts():
    policy = directives(build_policy(Settings(_env_file=None, public_url="https://shop.example")))
    assert policy["script-src"] == ["'self'", "https://checkout.razorpay.com"]
    for name in ("frame-src", "connect-src", "img-src"):
        assert {
            "https://api.razorpay.com",
            "https://checkout.razorpay.com",
            "https://lumberjack.razorpay.com",
            "https://cdn.razorpay.com",
        } <= set(policy[name]), name
    assert "'unsafe-inline'" not in policy["script-src"]


# -- ADMIN_PASSWORD --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [{"razorpay_key_id": "rzp_live_abc", "razorpay_key_secret": "s"}, {"stripe_secret_key": "sk_live_abc"}],
    ids=["razorpay", "stripe"],
)
def test_real_keys_need_a_strong_admin_password(keys):
    with pytest.raises(SettingsError, match="ADMIN_PASSWORD is not set"):
        create_app(Settings(_env_file=None, **keys))
    with pytest.raises(SettingsError, match="ADMIN_PASSWORD is 11 characters"):
        create_app(Settings(_env_file=None, admin_password="x" * 11, **keys))
    create_app(Settings(_env_file=None, admin_password="x" * 12, **keys))


def test_a_razorpay_key_id_without_its_secret_is_refused_at_start():
    with pytest.raises(SettingsError, match="RAZORPAY_KEY_SECRET is not"):
        create_app(Settings(_env_file=None, razorpay_key_id="rzp_live_abc", admin_password="x" * 12))


def test_keyless_shop_generates_a_password_and_never_logs_it(caplog):
    caplog.set_level(logging.DEBUG)
    app = create_app(Settings(_env_file=None, admin_password="demo"))  # short is fine with both sandboxes
    from galla.admin.auth import ADMIN_PASSWORD as PASSWORD

    assert app[PASSWORD] == "demo"
    generated = create_app(Settings(_env_file=None))[PASSWORD]
    assert len(generated) >= 16 and generated not in caplog.text


def test_galla_serve_refuses_real_keys_without_admin_password(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_abc")
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    with pytest.raises(SystemExit) as exit_:
        galla(["serve"])
    assert exit_.value.code == 2 and "ADMIN_PASSWORD is not set" in capsys.readouterr().err


# -- no secret in any response or log --------------------------------------------------------------------

SECRETS = {
    "razorpay_key_secret": "rzpKeySecretDISTINCT7f3a9c",
    "razorpay_webhook_secret": "rzpWebhookSecretDISTINCT41bd",
    "stripe_secret_key": "sk_test_stripeSecretDISTINCT9e2c",
    "stripe_webhook_secret": "whsec_stripeWebhookDISTINCT0a7",
    "admin_password": "adminPasswordDISTINCT5c81e",
    "smtp_password": "smtpPasswordDISTINCT93f1d",
}


def fill_parameters(path: str, value: str) -> str:
    """A route's path with each {name} or {name:regex} replaced by value."""
    return re.sub(r"\{[^}]+\}", value, path)


async def test_no_secret_appears_in_any_response_or_log(aiohttp_server, aiohttp_client, database, caplog):
    caplog.set_level(logging.DEBUG)
    razorpay = RazorpaySandbox(
        server=await aiohttp_server(
            create_razorpay_sandbox(key_id="rzp_test_secretscan", key_secret=SECRETS["razorpay_key_secret"])
        ),
        key_id="rzp_test_secretscan",
        key_secret=SECRETS["razorpay_key_secret"],
    )
    stripe = StripeSandbox(
        server=await aiohttp_server(create_stripe_sandbox(secret_key=SECRETS["stripe_secret_key"])),
        secret_key=SECRETS["stripe_secret_key"],
    )
    settings = sandbox_settings(
        razorpay, stripe, **{k: v for k, v in SECRETS.items() if k not in ("razorpay_key_secret", "stripe_secret_key")}
    )
    app = create_app(settings, db=database)
    client = await aiohttp_client(app)
    admin = {"Authorization": aiohttp.encode_basic_auth("admin", SECRETS["admin_password"])}
    seen: list[str] = []

    async def record(resp: aiohttp.ClientResponse) -> aiohttp.ClientResponse:
        seen.append(
            f"{resp.method} {resp.url} {resp.status}\n{dict(resp.headers)}\n"
            f"{(await resp.read()).decode('utf-8', 'replace')}"
        )
        return resp

    # The POST APIs, on the way to one paid Razorpay order and one Stripe order.
    placed = await (await record(await client.post("/api/checkout", json=checkout_body()))).json()
    await record(
        await client.post(
            "/api/payments/razorpay/failed",
            json={"order_id": placed["order_id"], "error": {"code": "BAD_REQUEST_ERROR", "description": "declined"}},
        )
    )
    status, paid = await razorpay.pay(placed["razorpay"]["order_id"])
    assert status == 200, paid
    await record(
        await client.post(
            "/api/payments/razorpay/verify",
            json={**paid, "order_id": placed["order_id"], "razorpay_signature": "0" * 64},
        )
    )
    verified = await record(
        await client.post("/api/payments/razorpay/verify", json={**paid, "order_id": placed["order_id"]})
    )
    assert (await verified.json())["status"] == "paid"
    refund = await record(
        await client.post(f"/api/admin/orders/{placed['order_id']}/refund", json={"amount": 100}, headers=admin)
    )
    assert refund.status == 202
    abroad = await (
        await record(
            await client.post(
                "/api/checkout",
                json=checkout_body(
                    customer={"name": "Ann Lee", "email": "ann@example.com", "phone": "+1 415 555 0100"}, country="US"
                ),
            )
        )
    ).json()
    await record(await client.post("/webhooks/razorpay", data=b"{}", headers={"X-Razorpay-Signature": "0"}))
    await record(await client.post("/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": "t=1,v1=0"}))

    # Every GET route, filled with both orders' ids and an unknown one: as a buyer, as the admin with Basic,
    # then signed in with the form (a wrong password first) and its session cookie.
    paths = {
        "/nowhere",
        "/api/nowhere",
        "/metrics",
        "/api/openapi.json",
        "/api/docs",
        f"/orders/{abroad['order_id']}?session_id={abroad['stripe']['session_id']}",
        f"/api/orders/{abroad['order_id']}?session_id={abroad['stripe']['session_id']}",
        f"/orders/{placed['order_id']}?session_id=cs_test_forged",
    }
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        if route.method != "GET":
            continue
        if "prefix" in info:  # static files
            paths |= {info["prefix"] + "/js/pay.js", info["prefix"] + "/nope.js"}
            continue
        path = info.get("path") or info["formatter"]
        paths |= {
            fill_parameters(path, placed["order_id"]),
            fill_parameters(path, abroad["order_id"]),
            fill_parameters(path, "ord_unknown"),
        }
    assert len(paths) > 20
    for headers in ({}, admin):
        for path in sorted(paths):
            await record(await client.get(path, headers=headers, allow_redirects=False))
    for password in ("guess", SECRETS["admin_password"]):
        form = await record(await client.get("/admin/login"))
        await record(
            await client.post(
                "/admin/login",
                allow_redirects=False,
                data={"password": password, "csrf_token": hidden_token(await form.text())},
            )
        )
    for path in sorted(paths):
        await record(await client.get(path, allow_redirects=False))

    assert sum(" 200\n" in answer for answer in seen) > 20
    logs = caplog.text + "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for name, secret in SECRETS.items():
        leaks = [answer.split("\n", 1)[0] for answer in seen if secret in answer]
        assert leaks == [], f"{name} appears in {leaks}"
        assert secret not in logs, f"{name} appears in the log"


async def test_a_handler_weakens_no_security_header_unless_it_names_it_as_its_own(aiohttp_client):
    """A handler that sets (or copies from elsewhere) a weaker CSP or framing header is overruled; only a header it
    names in OWN_HEADERS (the email preview's own policy) stays as it set it."""
    from galla.web.security import OWN_HEADERS, headers_middleware

    async def copied(request):
        return web.Response(
            text="x", headers={"X-Frame-Options": "ALLOWALL", "Content-Security-Policy": "default-src *"}
        )

    async def preview(request):
        response = web.Response(text="x", headers={"X-Frame-Options": "SAMEORIGIN"})
        response[OWN_HEADERS] = frozenset({"X-Frame-Options"})
        return response

    app = web.Application(middlewares=[headers_middleware({"X-Frame-Options": "DENY", "Content-Security-Policy": "a"})])
    app.router.add_get("/copied", copied)
    app.router.add_get("/preview", preview)
    client = await aiohttp_client(app)
    copied_resp, preview_resp = await client.get("/copied"), await client.get("/preview")
    assert (copied_resp.headers["X-Frame-Options"], copied_resp.headers["Content-Security-Policy"]) == ("DENY", "a")
    assert (preview_resp.headers["X-Frame-Options"], preview_resp.headers["Content-Security-Policy"]) == (
        "SAMEORIGIN",
        "a",
    )
