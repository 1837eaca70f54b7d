"""Python's garbage collector for a long-running server: collections that don't grow with the store.

A full collection walks every tracked object, and with the embedded store every order, event and customer is
one: at 10,000 orders, 200-350 ms with the loop stopped. Almost none of it is ever cyclic garbage; what lives
through two young collections is the store, the code, the caches, or a request still waiting on a gateway.
So whatever survives a middle-generation collection is frozen (gc.freeze): later collections skip it, the
oldest generation stays nearly empty, and no pause grows with the data (the bench measured young collections
of at most 8 ms and no full one after startup, against 30-50 ms when freezing only after full collections).
A frozen object is still freed the moment its last reference goes; only a reference cycle made of frozen
objects would stay, and unfreezing and collecting after minutes of bench load found 0-2 such objects.
"""

from __future__ import annotations

import gc

from aiohttp import web


def freeze_survivors(phase: str, info: dict) -> None:
    """gc callback: after a middle or full collection, move everything that survived it out of later ones."""
    if phase == "stop" and info["generation"] >= 1:
        gc.freeze()


def keep_survivors_frozen() -> None:
    """Freeze what is alive now and the survivors of every full collection from now on (idempotent)."""
    gc.collect()
    gc.freeze()
    if freeze_survivors not in gc.callbacks:
        gc.callbacks.append(freeze_survivors)


def stop_freezing() -> None:
    """Back to Python's own collections: nothing frozen, no callback."""
    if freeze_survivors in gc.callbacks:
        gc.callbacks.remove(freeze_survivors)
    gc.unfreeze()


async def freeze_at_startup(app: web.Application) -> None:
    """on_startup, last: the code, templates and settings loaded, nothing in flight yet."""
    keep_survivors_frozen()
