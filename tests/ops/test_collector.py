"""Freezing the survivors of every collection: later collections skip them, newer garbage still goes."""

from __future__ import annotations

import gc
import importlib
import weakref

import pytest

from galla.ops.collector import freezes_collections
from galla.settings import Settings
from sandboxes.common.gcfreeze import freeze_survivors, keep_survivors_frozen, stop_freezing

pytestmark = pytest.mark.slow


class Node:
    """Something that can sit in a reference cycle and be watched by a weakref."""


@pytest.fixture
def freezing():
    keep_survivors_frozen()
    yield
    stop_freezing()


def test_survivors_of_older_collections_are_frozen_and_new_cycles_still_collected(freezing):
    frozen = gc.get_freeze_count()
    assert frozen > 0 and freeze_survivors in gc.callbacks
    kept = [Node() for _ in range(1000)]
    gc.collect(0)
    assert gc.get_freeze_count() >= frozen + 1000  # the survivors of a young collection joined the frozen
    assert gc.get_count()[1] == 0  # and the middle generation holds nothing for the next one to walk
    cycle = Node()
    cycle.me = cycle
    gone = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert gone() is None  # garbage made after the freeze is still found
    kept.clear()  # and a frozen object still goes with its last reference


def test_stop_freezing_gives_everything_back_to_the_collector(freezing):
    stop_freezing()
    assert gc.get_freeze_count() == 0 and freeze_survivors not in gc.callbacks
    keep_survivors_frozen()
    keep_survivors_frozen()
    assert gc.callbacks.count(freeze_survivors) == 1


@pytest.mark.parametrize("module", ["sandboxes.razorpay.__main__", "sandboxes.stripe.__main__"])
def test_a_sandbox_run_on_its_own_freezes_its_survivors(module, monkeypatch):
    """Its entities pile up under load, and full collections over them stalled every call to it (0.5 s each)."""
    command = importlib.import_module(module)
    serving: list[bool] = []
    monkeypatch.setattr(command.web, "run_app", lambda app, **kw: serving.append(freeze_survivors in gc.callbacks))
    try:
        command.main(["--port", "9"])
    finally:
        stop_freezing()
    assert serving == [True]  # frozen by the time it serves


def test_issue25_only_the_embedded_store_has_its_collections_frozen():
    """Issue 25 item 7: freezing is for a process that keeps a growing store in memory; beside a real MongoDB,
    galla serve leaves Python's collector as it comes (a frozen reference cycle would stay for good)."""
    assert freezes_collections(Settings(_env_file=None)) is True
    assert freezes_collections(Settings(_env_file=None, mongodb_uri="mongodb://db.example:27017")) is False
