"""Telling a sandbox's listeners (its webhook sender among them) of each event its store records."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar


class Recorded(Protocol):
    """An event as either sandbox records it: at least its id."""

    @property
    def id(self) -> str: ...


EventT = TypeVar("EventT", bound=Recorded)


def tell_listeners(
    listeners: Iterable[Callable[[EventT], None]], event: EventT, kind: str, log: logging.Logger
) -> None:
    """Call each listener with the event of this kind (its name or type); a listener that fails is only logged."""
    for listener in list(listeners):
        try:
            listener(event)
        except Exception:  # a webhook sender's bug must not undo a payment that already happened
            log.exception("listener %r failed on %s %s", listener, kind, event.id)
