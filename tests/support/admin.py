"""The admin area as a browser signs in to it, through the form and its CSRF token."""

from __future__ import annotations

import re

from galla.admin.auth import SESSION_COOKIE
from support.app import ADMIN_PASSWORD


def hidden_token(html: str) -> str:
    """The csrf_token hidden field of a page's form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


async def sign_in(client, password: str = ADMIN_PASSWORD) -> str:
    """Sign in with the form as a browser does; return the session's CSRF token from the admin's home page."""
    form = await client.get("/admin/login")
    resp = await client.post(
        "/admin/login",
        allow_redirects=False,
        data={"password": password, "csrf_token": hidden_token(await form.text())},
    )
    assert (resp.status, resp.headers["Location"]) == (303, "/admin"), await resp.text()
    cookie = resp.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["secure"]  # PUBLIC_URL is http here
    home = await client.get("/admin")
    assert home.status == 200 and "Signed in as <strong>admin</strong>" in await home.text()
    return hidden_token(await home.text())
