"""The probes at the root: liveness, readiness and Prometheus metrics, answered to programs (errors as JSON)."""

from __future__ import annotations

from aiohttp import web

from galla.api import responses
from galla.api.documented import Answer, documented
from galla.ops.metrics import render_metrics
from galla.store.db import ping
from galla.web.body import model_response
from galla.web.middlewares import answers_json
from galla.web.state import DATABASE, SHOP

routes = web.RouteTableDef()


@routes.get("/healthz")
@documented("getHealth", "Operations", "The process answers.", {200: Answer("Alive.", responses.Health)})
@answers_json
async def get_healthz(request: web.Request) -> web.Response:
    """Liveness."""
    return model_response(responses.Health(status="ok"))


@routes.get("/readyz")
@documented(
    "getReadiness",
    "Operations",
    "Whether MongoDB answers.",
    {200: Answer("Ready.", responses.Ready), 503: Answer("MongoDB does not answer.", responses.Ready)},
)
@answers_json
async def get_readyz(request: web.Request) -> web.Response:
    """Readiness."""
    # Ready when MongoDB answers; each gateway's circuit is shown (an open one is failed over, not fatal).
    shop = request.config_dict[SHOP]
    gateways = {
        breaker.gateway: {"circuit": breaker.state, "retry_after": round(breaker.retry_after(), 1)}
        for breaker in shop.breakers
    }
    try:
        ok = await ping(request.config_dict[DATABASE].db)
        mongodb = "ok" if ok else "unavailable"
    except Exception as exc:  # any driver failure means "not ready", which is the answer
        ok, mongodb = False, str(exc)[:200]
    ready = responses.Ready.model_validate(
        {"status": "ok" if ok else "unavailable", "mongodb": mongodb, "gateways": gateways}
    )
    return model_response(ready, status=200 if ok else 503)


@routes.get("/metrics")
@documented(
    "getMetrics",
    "Operations",
    "Counters and histograms in the Prometheus text exposition format.",
    {200: Answer("The metrics.", media_type="text/plain", schema={"type": "string"})},
)
@answers_json
async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus metrics."""
    return await render_metrics(request, request.config_dict[SHOP])
