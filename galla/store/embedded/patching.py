"""Replacing mongomock's internals: the embedded store's fast paths stand in for methods and modules of its own."""

from __future__ import annotations


def replace(owner: object, **attributes: object) -> None:
    """Set attributes of one of mongomock's classes or modules (mypy takes a method or a module as fixed)."""
    for name, value in attributes.items():
        setattr(owner, name, value)
