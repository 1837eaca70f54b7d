"""Admin authentication: HTTP Basic as admin:ADMIN_PASSWORD, compared in constant time."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import BasicAuth, web

from views.middlewares import json_error, wants_json

ADMIN_USER = "admin"
ADMIN_PREFIXES = ("/api/admin/", "/admin")
ADMIN_PASSWORD = web.AppKey("admin_password", str)
REALM = 'Basic realm="Galla admin", charset="UTF-8"'


def generate_password() -> str:
    """A fresh admin password for a run without ADMIN_PASSWORD."""
    return secrets.token_urlsafe(12)


def is_admin(request: web.Request) -> bool:
    """Whether the request carries the admin's credentials."""
    header = request.headers.get("Authorization", "")
    try:
        auth = BasicAuth.decode(header)
    except ValueError:
        return False
    expected = request.app[ADMIN_PASSWORD].encode()
    # Both compared in full, whatever the first mismatch, so timing tells nothing about either.
    user_ok = hmac.compare_digest(auth.login.encode(), ADMIN_USER.encode())
    password_ok = hmac.compare_digest(auth.password.encode(), expected)
    return user_ok and password_ok


@web.middleware
async def admin_auth_middleware(request: web.Request, handler):
    """Ask for the admin's credentials on the admin area; everything else passes."""
    if not request.path.startswith(ADMIN_PREFIXES) or is_admin(request):
        return await handler(request)
    headers = {"WWW-Authenticate": REALM}
    if wants_json(request):
        return json_error(401, "unauthorized", "the admin area needs the admin's user name and password",
                          field="Authorization", headers=headers)
    return web.Response(status=401, text="Admin sign-in required.", headers=headers)
