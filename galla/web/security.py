"""Security headers on every response of the shop: a Content-Security-Policy built from the settings, and friends."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from galla.settings import Settings
from galla.web.middlewares import is_stand_in

# What Razorpay's own checkout.js loads, frames and calls besides itself.
RAZORPAY_CHECKOUT_ORIGIN = "https://checkout.razorpay.com"
RAZORPAY_ORIGINS = (
    "https://api.razorpay.com",
    RAZORPAY_CHECKOUT_ORIGIN,
    "https://lumberjack.razorpay.com",
    "https://cdn.razorpay.com",
)
HSTS = "max-age=31536000"


def origin_of(url: str) -> str:
    """scheme://host[:port] of an absolute URL, lower-cased, default port left out; "" for a relative one."""
    parsed = URL(url)
    return str(parsed.origin()).lower() if parsed.is_absolute() else ""


def checkout_script_origin(settings: Settings) -> str:
    """The origin checkout.js comes from when it is not ours (real Razorpay, or a sandbox elsewhere); else ""."""
    script = origin_of(settings.razorpay_checkout_js)
    return "" if script in ("", origin_of(settings.public_url)) else script


def build_policy(settings: Settings) -> str:
    """The Content-Security-Policy value: our own files, plus what checkout.js needs when it is not ours."""
    script = checkout_script_origin(settings)
    # Razorpay's checkout.js frames and calls its sibling hosts; a stand-in elsewhere only its own origin.
    gateway = RAZORPAY_ORIGINS if script == RAZORPAY_CHECKOUT_ORIGIN else (script,) if script else ()
    # Razorpay's script styles the window it injects; our own pages and the sandbox need no inline style.
    styles = ("'unsafe-inline'",) if script == RAZORPAY_CHECKOUT_ORIGIN else ()
    directives = {
        "default-src": ("'self'",),
        "script-src": ("'self'", *((script,) if script else ())),
        "style-src": ("'self'", *styles),
        "img-src": ("'self'", *gateway),
        "connect-src": ("'self'", *gateway),
        "frame-src": ("'self'", *gateway),
        "object-src": ("'none'",),
        "base-uri": ("'self'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("'none'",),
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def build_email_preview_headers(settings: Settings) -> dict[str, str]:
    """The headers of an email's HTML shown to the admin in a frame: inline styles as mail clients allow, our
    images, nothing else (no script, no form, no plugin), sandboxed, and framed by our own pages only."""
    images = ("'self'", "data:", *filter(None, (origin_of(settings.public_url),)))
    directives = {
        "default-src": ("'none'",),
        "img-src": images,
        "style-src": ("'unsafe-inline'",),
        "base-uri": ("'none'",),
        "form-action": ("'none'",),
        "frame-ancestors": ("'self'",),
        "sandbox": (),
    }
    policy = "; ".join(" ".join((name, *sources)) for name, sources in directives.items())
    # X-Frame-Options for browsers that predate frame-ancestors; no-referrer so a link in a buyer's email
    # learns nothing of the admin's URLs.
    return {"Content-Security-Policy": policy, "X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "no-referrer"}


def build_headers(settings: Settings) -> dict[str, str]:
    """The headers every response of the shop carries."""
    headers = {
        "Content-Security-Policy": build_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(self)",
        # Razorpay's UPI intent and 3-D Secure steps may open popups that must keep their opener.
        "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
    }
    if URL(settings.public_url).scheme == "https":
        headers["Strict-Transport-Security"] = HSTS
    return headers


# The security headers a response sets for itself, by name (an email's preview: its own CSP and framing).
OWN_HEADERS = web.ResponseKey("own_headers", frozenset)


def headers_middleware(headers: dict[str, str]) -> Middleware:
    """A middleware adding these headers to every response of its application but a stand-in's (the sandboxes
    stand in for Razorpay's and Stripe's own pages, which carry their own headers). Only the headers a handler
    names in OWN_HEADERS are left as it set them: the one response that needs another policy (an email's preview)
    says so where it is made, and no other header a handler sets (or copies from elsewhere) weakens these."""

    @web.middleware
    async def add_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_stand_in(request):
            return await handler(request)
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # redirects, and errors no inner middleware turned into a response
            exc.headers.update(headers)
            raise
        if not response.prepared:
            own = response.get(OWN_HEADERS, frozenset())
            response.headers.update({name: value for name, value in headers.items() if name not in own})
        return response

    return add_headers


def security_headers_middleware(settings: Settings) -> Middleware:
    """A middleware adding the security headers (built once, here) to every response but the sandbox's."""
    return headers_middleware(build_headers(settings))


# Responses with a buyer's personal data are kept out of every cache (a shared computer's, a proxy's): the areas
# serving them (the API, the admin, the order pages: the buyer's name, email, address and receipt) add this
# middleware. The checkout page is served without it (what the buyer types stays in the browser), like the
# catalog and the cart.
no_store_middleware = headers_middleware({"Cache-Control": "no-store"})
