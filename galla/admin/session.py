"""Signing in to the admin area with a form and a session cookie, signing out, and the admin's home page."""

from __future__ import annotations

import secrets
from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web
from yarl import URL

from galla.admin.auth import ADMIN_SESSION, CSRF_FIELD, LOGIN_PATH, SESSION_COOKIE, is_admin_password, tokens_match
from galla.store.sessions import create_session, delete_session, find_session
from galla.web.body import read_form
from galla.web.state import DATABASE, SETTINGS

routes = web.RouteTableDef()
SESSION_TTL = timedelta(hours=8)
# The login form's own CSRF token, before any session exists: a double-submit cookie. A cross-site page can
# neither read it nor (SameSite=Strict) have it sent with its post, so it cannot sign anyone in.
LOGIN_CSRF_COOKIE = "galla_csrf"
LOGIN_CSRF_TTL = timedelta(hours=1)


def cookie_options(request: web.Request, path: str, max_age: timedelta) -> dict:
    """HttpOnly, SameSite=Strict, and Secure when the shop is served over https."""
    secure = URL(request.config_dict[SETTINGS].public_url).scheme == "https"
    return {
        "path": path,
        "max_age": int(max_age.total_seconds()),
        "httponly": True,
        "samesite": "Strict",
        "secure": secure,
    }


def see_other(location: str) -> web.Response:
    """A 303 redirect returned (not raised), so the cookies set on it are sent."""
    return web.Response(status=303, headers={"Location": location})


def render_login(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    """The sign-in form with a fresh login CSRF token, set as a cookie and as the form's hidden field."""
    token = secrets.token_urlsafe(32)
    response = aiohttp_jinja2.render_template(
        "admin_login.html", request, {"csrf_token": token, "error": error}, status=status
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, **cookie_options(request, LOGIN_PATH, LOGIN_CSRF_TTL))
    return response


@routes.get(LOGIN_PATH)
async def show_login(request: web.Request) -> web.Response:
    """The sign-in form, or the admin's home when already signed in."""
    if await find_session(request.config_dict[DATABASE].db, request.cookies.get(SESSION_COOKIE, "")):
        raise web.HTTPSeeOther("/admin")
    return render_login(request)


@routes.post(LOGIN_PATH)
async def post_login(request: web.Request) -> web.Response:
    """Check the password (in constant time) and start a session; a refused password is a 401."""
    form = await read_form(request)
    if not tokens_match(str(form.get(CSRF_FIELD, "")), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return render_login(
            request, status=403, error="The sign-in form had expired or came from another site. Please try again."
        )
    if not is_admin_password(request, str(form.get("password", ""))):
        return render_login(request, status=401, error="That password is not right.")
    session = await create_session(request.config_dict[DATABASE].db, SESSION_TTL)
    response = see_other("/admin")
    response.set_cookie(SESSION_COOKIE, session.id, **cookie_options(request, "/", SESSION_TTL))
    response.del_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@routes.post("/admin/logout")
async def post_logout(request: web.Request) -> web.Response:
    """End this browser's session and forget its cookie."""
    session = request.get(ADMIN_SESSION)
    if session is not None:
        await delete_session(request.config_dict[DATABASE].db, session.id)
    response = see_other(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response
