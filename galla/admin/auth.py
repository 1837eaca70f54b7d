"""Admin authentication: HTTP Basic as admin:ADMIN_PASSWORD or a signed-in session cookie, and CSRF checks."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from galla.settings import Settings
from galla.store.sessions import AdminSession, find_session
from galla.web.body import read_form
from galla.web.middlewares import answer_error, json_error, render_error, wants_json
from galla.web.ratelimit import SignInThrottle, client_address, proxy_hops, too_many_requests
from galla.web.security import origin_of
from galla.web.state import DATABASE

ADMIN_USER = "admin"
ADMIN_PASSWORD = web.AppKey("admin_password", str)
ADMIN_SESSION = web.RequestKey("admin_session", AdminSession)
REALM = 'Basic realm="Galla admin", charset="UTF-8"'
SESSION_COOKIE = "galla_admin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_PATH = "/admin/login"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Failed sign-ins (a wrong Basic password or a refused login form) per client address before it must wait;
# SIGN_IN_ALARM failures from everywhere hold every address to GUARDED_SIGN_IN_LIMIT (see SignInThrottle).
SIGN_IN_LIMIT = "10/15 minutes"
GUARDED_SIGN_IN_LIMIT = "3/15 minutes"
SIGN_IN_ALARM = "100/15 minutes"


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


def is_admin_password(request: web.Request, password: str) -> bool:
    """Whether password is ADMIN_PASSWORD, compared in constant time."""
    return hmac.compare_digest(password.encode(), request.config_dict[ADMIN_PASSWORD].encode())


def is_admin(request: web.Request) -> bool:
    """Whether the request carries the admin's HTTP Basic credentials."""
    credentials = read_basic_auth(request.headers.get("Authorization", ""))
    if credentials is None:
        return False
    user, password = credentials
    # Both compared in full, whatever the first mismatch, so timing tells nothing about either.
    user_ok = hmac.compare_digest(user.encode(), ADMIN_USER.encode())
    password_ok = is_admin_password(request, password)
    return user_ok and password_ok


def is_same_origin(request: web.Request, public_origin: str) -> bool:
    """Whether a browser says the request comes from this shop; requests without Origin (scripts) pass."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = {public_origin, origin_of(f"{request.scheme}://{request.host}")}
    return origin.lower() in own  # "null" (sandboxed frames, some redirects) is never ours


async def sent_csrf_token(request: web.Request) -> str:
    """The CSRF token the request carries, as the X-CSRF-Token header or the csrf_token form field."""
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.content_type in FORM_TYPES:
        form = await read_form(request)
        token = form.get(CSRF_FIELD)
    return token if isinstance(token, str) else ""


def tokens_match(sent: str, expected: str) -> bool:
    """Compare a CSRF token in constant time; an empty one never matches."""
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


def refuse_csrf(request: web.Request, message: str) -> web.Response:
    """403 csrf_failed, in the API's envelope or as a page."""
    return answer_error(request, 403, "csrf_failed", message, field=CSRF_HEADER)


def ask_for_credentials(request: web.Request) -> web.Response:
    """401 with a Basic challenge for programs; people are sent to the sign-in form."""
    if wants_json(request):
        return json_error(
            401,
            "unauthorized",
            "the admin area needs the admin's user name and password",
            field="Authorization",
            headers={"WWW-Authenticate": REALM},
        )
    if request.method in ("GET", "HEAD"):
        raise web.HTTPSeeOther(LOGIN_PATH)
    return render_error(request, 401, "sign in to the admin area first")


def admin_auth_middleware(settings: Settings) -> Middleware:
    """A middleware guarding the admin area (its pages and its API share one): Basic or a session cookie,
    same-origin unsafe requests, CSRF tokens with the cookie, and a per-client throttle on failed sign-ins."""
    public_origin = origin_of(settings.public_url)
    hops = proxy_hops(settings)
    failed_sign_ins = SignInThrottle(SIGN_IN_LIMIT, GUARDED_SIGN_IN_LIMIT, SIGN_IN_ALARM)

    async def throttled(request: web.Request, client: str) -> web.Response | None:
        # Refused before the password is looked at, the right one too: a guesser learns nothing while waiting.
        retry_after = failed_sign_ins.retry_after(client)
        if retry_after is None:
            return None
        return too_many_requests(
            request, retry_after, f"too many failed sign-ins from this address; try again in {retry_after} s"
        )

    @web.middleware
    async def admin_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        unsafe = request.method in UNSAFE_METHODS
        # Browsers resend cached Basic credentials and cookies on cross-site posts; their Origin gives them away.
        if unsafe and not is_same_origin(request, public_origin):
            return refuse_csrf(
                request, f"admin changes must come from this shop's own pages, not from {request.headers['Origin']}"
            )
        client = client_address(request, hops)
        if request.path == LOGIN_PATH:
            if not unsafe:
                return await handler(request)
            if refused := await throttled(request, client):
                return refused
            response = await handler(request)
            if response.status == 401:  # the form refused the password
                failed_sign_ins.failed(client)
            return response
        if "Authorization" in request.headers:
            if refused := await throttled(request, client):
                return refused
            if is_admin(request):
                return await handler(request)
            failed_sign_ins.failed(client)
            return ask_for_credentials(request)
        session = await find_session(request.config_dict[DATABASE].db, request.cookies.get(SESSION_COOKIE, ""))
        if session is None:
            return ask_for_credentials(request)
        if unsafe and not tokens_match(await sent_csrf_token(request), session.csrf):
            return refuse_csrf(
                request, f"the {CSRF_FIELD} form field or {CSRF_HEADER} header is missing or not this session's"
            )
        request[ADMIN_SESSION] = session
        return await handler(request)

    return admin_auth
