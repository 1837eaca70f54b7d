"""The account's public face: the business name, icon and support details Checkout shows buyers, and the Account
object GET /v1/account answers with them.

Stripe Checkout takes them from the account's settings, not from the session: the page's name is the "Public
business name" (Account `business_profile.name`, "The customer-facing business name"), its picture the branding
icon (`settings.branding.icon`, "An icon for the account", used by "Checkout & Payment Links"), and with Checkout
Settings' "Contact information" on, it shows the support phone, email and address from the public details
(`business_profile.support_phone`, `support_email`, `support_address`). Sources: docs.stripe.com/get-started/account/
branding ("Apply brand settings"), docs.stripe.com/payments/checkout/customization/policies ("Configure support and
legal policies"), stripe-python's _account.py (Account.BusinessProfile, Account.Settings.Branding, Account.Company:
`name`, "The company's legal name").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from babel.numbers import get_territory_currencies

from .ids import new_id
from .objects import NULL_ADDRESS


@dataclass(frozen=True)
class BusinessProfile:
    """What buyers see of the business: its public name and icon, its legal name, how to reach its support."""

    name: str = "Sandbox shop"
    icon_url: str | None = None  # an absolute http(s) URL; Stripe keeps an uploaded file, the sandbox a link to one
    legal_name: str | None = None
    support_email: str | None = None
    support_phone: str | None = None
    support_address: dict[str, str | None] | None = None  # Stripe's Address: line1, line2, city, state, ...
    account_id: str = field(default_factory=lambda: new_id("acct_"))
    icon_file: str = field(default_factory=lambda: new_id("file_"))  # the id settings.branding.icon names

    def __post_init__(self) -> None:
        if self.icon_url is not None and urlsplit(self.icon_url).scheme not in ("http", "https"):
            raise ValueError(f"icon_url must be an absolute http(s) URL, not {self.icon_url!r}")

    @property
    def address_lines(self) -> list[str]:
        """The support address as the page prints it: street lines, then city, state and postal code, then country."""
        address = self.support_address or {}
        town = " ".join(
            part for part in (address.get("city"), address.get("state"), address.get("postal_code")) if part
        )
        return [line for line in (address.get("line1"), address.get("line2"), town, address.get("country")) if line]


def address_from_lines(lines: Sequence[str]) -> dict[str, str | None] | None:
    """Return a free-text address (lines) as Stripe's Address: the first line as line1, the rest joined as line2."""
    parts = [line.strip() for line in lines if line.strip()]
    if not parts:
        return None
    return {**NULL_ADDRESS, "line1": parts[0], "line2": ", ".join(parts[1:]) or None}


def build_account(profile: BusinessProfile, country: str, created: int) -> dict[str, Any]:
    """Return the Account object (the fields the sandbox models) as GET /v1/account answers it."""
    currencies = get_territory_currencies(country)
    return {
        "id": profile.account_id,
        "object": "account",
        "business_profile": {
            "mcc": None,
            "name": profile.name,
            "product_description": None,
            "support_address": {**NULL_ADDRESS, **profile.support_address} if profile.support_address else None,
            "support_email": profile.support_email,
            "support_phone": profile.support_phone,
            "support_url": None,
            "url": None,
        },
        "business_type": "company",
        "charges_enabled": True,
        "company": {"name": profile.legal_name},
        "country": country,
        "created": created,
        "default_currency": currencies[0].lower() if currencies else "usd",
        "details_submitted": True,
        "email": None,
        "metadata": {},
        "payouts_enabled": True,
        "settings": {
            "branding": {
                "icon": profile.icon_file if profile.icon_url else None,
                "logo": None,
                "primary_color": None,
                "secondary_color": None,
            },
        },
        "type": "standard",
    }
