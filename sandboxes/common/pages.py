"""What both sandboxes serve to a buyer's browser: page templates, the headers every payment page carries, and
their own scripts and stylesheets."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

SHARED_TEMPLATES = Path(__file__).resolve().parent / "templates"
SHARED_ASSETS = Path(__file__).resolve().parent / "assets"


def page_templates(folder: Path) -> jinja2.Environment:
    """A sandbox's page templates (its folder, then the shared ones), autoescaped and strict about missing names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([folder, SHARED_TEMPLATES]),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def page_response(html: str, status: int, policy: str, extra: dict[str, str] | None = None) -> web.Response:
    """A payment page: under its content security policy, never stored, never sniffed, no referrer outside."""
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    return web.Response(text=html, content_type="text/html", status=status, headers={**headers, **(extra or {})})


def read_assets(folder: Path, types: dict[str, str]) -> dict[str, bytes]:
    """The sandbox's scripts and stylesheets (named with their content types; its folder, then the shared one)."""
    return {name: (folder / name if (folder / name).exists() else SHARED_ASSETS / name).read_bytes() for name in types}


def asset_response(body: bytes, content_type: str, extra: dict[str, str] | None = None) -> web.Response:
    """One of the sandbox's own scripts or stylesheets: revalidated before each use, never sniffed."""
    headers = {"Cache-Control": "no-cache", **(extra or {}), "X-Content-Type-Options": "nosniff"}
    return web.Response(body=body, content_type=content_type, charset="utf-8", headers=headers)
