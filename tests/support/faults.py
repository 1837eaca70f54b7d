"""A database that can be switched off: MongoDB blinking, as the driver reports it (AutoReconnect)."""

from __future__ import annotations

from typing import Any

from pymongo.errors import AutoReconnect


class Outage:
    """Which collections are unreachable now; "*" means the whole server."""

    def __init__(self) -> None:
        self.down: set[str] = set()

    def affects(self, collection: str) -> bool:
        return "*" in self.down or collection in self.down


class FlakyCollection:
    """A collection whose every operation raises AutoReconnect while its outage lasts."""

    def __init__(self, real: Any, outage: Outage) -> None:
        self._real, self._outage = real, outage

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._real, name)
        if not callable(attr):
            return attr

        def guarded(*args, **kwargs):
            if self._outage.affects(self._real.name):
                raise AutoReconnect(f"connection to MongoDB lost ({self._real.name}.{name})")
            return attr(*args, **kwargs)

        return guarded


class FlakyDatabase:
    """A motor-style database handing out FlakyCollections."""

    def __init__(self, real: Any, outage: Outage) -> None:
        self._real, self._outage = real, outage

    def __getattr__(self, name: str) -> Any:
        if name == "command":
            return FlakyCollection(self._real, self._outage).__getattr__("command")
        return FlakyCollection(self._real[name], self._outage)

    def __getitem__(self, name: str) -> FlakyCollection:
        return FlakyCollection(self._real[name], self._outage)
