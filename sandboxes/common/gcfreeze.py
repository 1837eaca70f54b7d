"""Freezing what survives each garbage collection, for any long-running process that keeps a growing store.

A full collection walks every tracked object. In a process that keeps thousands of orders in memory (the
embedded store, a sandbox's entities, the bench's tallies) it stops everything for hundreds of milliseconds,
and almost none of what it walks is ever garbage. Freezing the survivors of every collection leaves the older
generations empty, so each collection walks only what was made since the last one. A frozen object is still
freed the moment its last reference goes; only a reference cycle alive at a collection stays for good.

Its own package because the sandboxes import nothing of the app, and they need it as much as `galla serve`.
"""

from __future__ import annotations

import gc


def freeze_survivors(phase: str, info: dict) -> None:
    """gc callback: after every collection, move everything that survived it out of later ones."""
    if phase == "stop":
        gc.freeze()


def keep_survivors_frozen() -> None:
    """Freeze what is alive now and the survivors of every collection from now on (idempotent)."""
    gc.collect()
    gc.freeze()
    if freeze_survivors not in gc.callbacks:
        gc.callbacks.append(freeze_survivors)


def stop_freezing() -> None:
    """Back to Python's own collections: nothing frozen, no callback."""
    if freeze_survivors in gc.callbacks:
        gc.callbacks.remove(freeze_survivors)
    gc.unfreeze()
