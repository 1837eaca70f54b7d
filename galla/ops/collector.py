"""Python's garbage collector for a long-running server: collections that don't grow with the store.

A full collection walks every tracked object, and with the embedded store every order, event and customer is
one: at 10,000 orders, 200-350 ms with the loop stopped. Almost none of it is ever cyclic garbage; what lives
through a young collection is the store, the code, the caches, or a request still waiting on a gateway.
So whatever survives any collection is frozen (gc.freeze): later collections skip it, the older generations
stay empty, and every collection walks only what was made since the last one. Under the bench's half-peak load
collections found nothing to free (0 objects in each of hundreds), and freezing only after middle-generation
collections left those at 5-14 ms each, once a second, where they set the loop lag's p99; now each is 1-3 ms.
A frozen object is still freed the moment its last reference goes; only a reference cycle alive at a
collection would stay for good. So the request paths make none (tests/ops/test_reference_cycles.py): answering
a 404, a 405 or a raised redirect (galla/web/middlewares.py) and rendering a page with macros (AcyclicTemplate).
Only the embedded store keeps the shop's data in the process: beside a real MongoDB the process holds no growing
store, and the collector runs as Python ships it (a cycle a library makes is then still collected).
"""

from __future__ import annotations

import gc

import jinja2
from aiohttp import web

from galla.ops.metrics import METRICS
from galla.settings import Settings
from sandboxes.common.gcfreeze import keep_survivors_frozen


def freezes_collections(settings: Settings) -> bool:
    """Whether `galla serve` freezes what survives collections: only for the embedded store, which keeps every
    order in memory (no MONGODB_URI)."""
    return settings.mongodb_uri is None


async def freeze_at_startup(app: web.Application) -> None:
    """on_startup, last: the code, templates and settings loaded, nothing in flight yet."""
    keep_survivors_frozen()
    app[METRICS].frozen_at_startup.set(gc.get_freeze_count())  # counted now, while the store is small


class AcyclicTemplate(jinja2.Template):
    """A page template whose render leaves no reference cycle to be frozen with the survivors.

    A template's macros are closures over its render context, and the context holds them: each render that
    defines one (the order page does) would leave a cycle behind. Emptying the context afterwards breaks it.
    """

    def render(self, *args, **kwargs) -> str:
        """Jinja's own render (aiohttp_jinja2 renders synchronously), then the context let go of its macros."""
        context = self.new_context(dict(*args, **kwargs))
        try:
            return self.environment.concat(self.root_render_func(context))
        except Exception:
            self.environment.handle_exception()
        finally:
            context.vars.clear()
            context.exported_vars.clear()
