"""Buyers' emails: rendered from galla/templates/email, signed with the shop's details, queued once in the outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import jinja2

from galla.orders.context import Shop
from galla.payments.money import format_money
from galla.store.outbox import new_message

EMAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"

# Built once, and never checking the files again (auto_reload stats them on every use): an email is rendered
# inside the request or webhook that made it due, so it stays cheap. Templates change with the code, on restart.
_emails = jinja2.Environment(
    loader=jinja2.FileSystemLoader(EMAIL_TEMPLATES),
    auto_reload=False,
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_emails.filters["money"] = lambda amount, currency: format_money(int(amount), currency)


def render_email(template: str, **context: Any) -> tuple[str, str]:
    """An email's plain text and HTML, from `<template>.txt` and `<template>.html`."""
    return (
        _emails.get_template(f"{template}.txt").render(**context),
        _emails.get_template(f"{template}.html").render(**context),
    )


class Addressed(Protocol):
    """What an email is about and who bought it: an order or a subscription."""

    @property
    def id(self) -> str: ...

    @property
    def customer(self) -> dict[str, str]: ...


def build_buyer_email(
    shop: Shop, order: Addressed, message_id: str, *, kind: str, subject: str, template: str, **context: Any
) -> dict[str, Any]:
    """An outbox document for an email to the buyer of an order or subscription; every template gets the shop's details as `seller`."""
    text, html = render_email(template, seller=shop.details, **context)
    return new_message(
        message_id,
        kind=kind,
        order_id=order.id,
        to=order.customer.get("email", ""),
        subject=subject,
        text=text,
        html=html,
        held=shop.holds_mail,
    )
