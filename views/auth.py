"""Admin authentication: HTTP Basic as admin:ADMIN_PASSWORD, compared in constant time."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets

from aiohttp import web

from views.middlewares import json_error, wants_json

ADMIN_USER = "admin"
ADMIN_PREFIXES = ("/api/admin/", "/admin")
ADMIN_PASSWORD = web.AppKey("admin_password", str)
REALM = 'Basic realm="Galla admin", charset="UTF-8"'


def generate_password() -> str:
    """A fresh admin password for a run without ADMIN_PASSWORD."""
    return secrets.token_urlsafe(12)


def read_basic_auth(header: str) -> tuple[str, str] | None:
    """The user and password of an `Authorization: Basic …` header, or None if it is not one."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def is_admin(request: web.Request) -> bool:
    """Whether the request carries the admin's credentials."""
    credentials = read_basic_auth(request.headers.get("Authorization", ""))
    if credentials is None:
        return False
    user, password = credentials
    # Both compared in full, whatever the first mismatch, so timing tells nothing about either.
    user_ok = hmac.compare_digest(user.encode(), ADMIN_USER.encode())
    password_ok = hmac.compare_digest(password.encode(), request.app[ADMIN_PASSWORD].encode())
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
