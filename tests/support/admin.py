"""The admin area as a browser signs in to it, through the form and its CSRF token."""

from __future__ import annotations

import html
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


def form_fields(page: str, testid: str) -> dict[str, str]:
    """The fields a browser would post from the page's form (data-testid=testid), as they are filled in."""
    start = page.index(f'data-testid="{testid}"')
    form = page[start : page.index("</form>", start)]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'\bname="([^"]+)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                fields[name[1]] = "on"
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        fields[name[1]] = html.unescape(value[1]) if value else ""
    for name, text in re.findall(r'<textarea[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[name] = html.unescape(text)
    for name, options in re.findall(r'<select[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen[1] if chosen else ""
    return fields


def field_error(page: str, field: str) -> str | None:
    """The message shown next to a form's field, or None."""
    match = re.search(rf'data-testid="error-{re.escape(field)}">(.*?)</p>', page, re.S)
    return html.unescape(match[1]) if match else None
