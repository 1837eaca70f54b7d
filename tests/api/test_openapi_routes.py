"""The OpenAPI paths are generated from the routes: every route answering programs declares its operation, and
the document holds exactly the declared ones, with the admin's sign-in where the admin's API is mounted."""

from __future__ import annotations

import pytest
from aiohttp import web

from galla.api.openapi import describe_document, openapi_document
from galla.app import create_app
from galla.settings import Settings
from galla.web.middlewares import ANSWERS_JSON


def program_routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route but HEAD and the static files, of the app and its sub-apps."""
    found = set()
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None or route.resource.canonical.startswith("/static"):
            continue
        found.add((route.method.lower(), route.resource.canonical))
    return found


def test_the_documents_operations_are_the_served_api_webhook_and_probe_routes():
    app = create_app(Settings(_env_file=None))
    documented = {(method, path) for path, item in openapi_document()["paths"].items() for method in item}
    served = {
        (method, path)
        for method, path in program_routes(app)
        if path.startswith(("/api/", "/webhooks/")) or path in ("/healthz", "/readyz", "/metrics")
    }
    assert documented == served


def test_only_the_admins_api_needs_the_admins_sign_in():
    signed_in = {path for path, item in openapi_document()["paths"].items() for op in item.values() if "security" in op}
    assert signed_in and all(path.startswith("/api/admin/") for path in signed_in)


def test_a_route_added_without_a_declaration_fails_the_document():
    app = web.Application()
    api = web.Application()
    api[ANSWERS_JSON] = True

    async def get_secret(request: web.Request) -> web.Response:
        """Not declared."""
        return web.json_response({})

    api.router.add_get("/secret", get_secret)
    app.add_subapp("/api", api)
    with pytest.raises(RuntimeError, match="GET /api/secret"):
        describe_document(app)
