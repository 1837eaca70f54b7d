"""Typed keys for what the app keeps: settings, the database, and the checkout's dependencies."""

from __future__ import annotations

from aiohttp import web

from galla.orders.context import Shop
from galla.settings import Settings
from galla.store.db import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
SHOP = web.AppKey("shop", Shop)
# The same shop for webhook deliveries: its gateway calls are short and never retried (Shop.for_webhook).
WEBHOOK_SHOP = web.AppKey("webhook_shop", Shop)
SANDBOXED = web.AppKey("sandboxed", frozenset)
