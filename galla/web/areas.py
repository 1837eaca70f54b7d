"""Areas as aiohttp sub-applications: route tables written with full paths, added under their area's prefix."""

from __future__ import annotations

from aiohttp import web


def add_routes_under(app: web.Application, prefix: str, *tables: web.RouteTableDef) -> None:
    """Add route tables whose paths start with prefix to the sub-application mounted there, the prefix cut off
    (aiohttp puts it back when mounting): the modules keep their URLs whole, so a URL is found where it is served."""
    for table in tables:
        for route in table:
            if not isinstance(route, web.RouteDef) or not (route.path == prefix or route.path.startswith(prefix + "/")):
                raise ValueError(f"{route!r} does not belong under {prefix}")
            app.add_routes([web.RouteDef(route.method, route.path.removeprefix(prefix), route.handler, route.kwargs)])
