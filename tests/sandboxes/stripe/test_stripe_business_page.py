"""Issue 26 items 4 and 14 (the Stripe page): the hosted page names the business as Stripe Checkout does, from the
account's public details and branding (Account `business_profile`, `settings.branding.icon`; docs.stripe.com/
get-started/account/branding and docs.stripe.com/payments/checkout/customization/policies), and writes money for
its currency and the page's locale (the session's `locale`, else the browser's: docs.stripe.com/api/checkout/
sessions/object, "If blank or auto, the browser's locale is used")."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.shop_details import LOOMS_FOOTER
from support.stripe_sandbox import Page, Sandbox, line, running_sandbox

from sandboxes.stripe import BusinessProfile, address_from_lines

LOOMS = BusinessProfile(
    name="Kashmir Looms",
    icon_url="https://looms.example/static/icon.png",
    legal_name="Kashmir Looms Private Limited",
    support_email="help@looms.example",
    support_phone="+91 98765 43210",
    support_address=address_from_lines(["12 Residency Road", "Srinagar 190001", "India"]),
)


@pytest.fixture
async def looms(aiohttp_server, clock) -> AsyncIterator[Sandbox]:
    """The sandbox as Kashmir Looms' Indian account, with its public details and icon."""
    async with running_sandbox(aiohttp_server, clock, mount=False, business=LOOMS) as running:
        yield running


async def open_page(sandbox: Sandbox, session_id: str, accept_language: str | None = None) -> Page:
    """GET the hosted page as a browser that asks for accept_language."""
    headers = {"Accept-Language": accept_language} if accept_language else {}
    async with sandbox.http.get(f"{sandbox.url}/c/pay/{session_id}", headers=headers) as resp:
        return Page(resp.status, await resp.text(), resp.headers)


async def test_item4_the_page_names_the_business_with_its_icon_and_shows_its_public_details(looms):
    session = await looms.create_session()
    page = await open_page(looms, session.id)
    elements = page.elements
    assert elements.text("business-name") == "Kashmir Looms"
    icon = elements.attrs("business-icon")
    assert icon["src"] == "https://looms.example/static/icon.png"
    assert icon["alt"] == ""  # beside the name it says nothing more to a screen reader
    assert "<title>Pay Kashmir Looms $25.00 — Stripe sandbox</title>" in page.html
    assert elements.text("business-details") == LOOMS_FOOTER
    assert elements.attrs("support-email")["href"] == "mailto:help@looms.example"
    assert elements.attrs("support-phone")["href"] == "tel:+919876543210"
    # The icon lives on the shop's host: the page's CSP lets that one image origin in, nothing else.
    assert "img-src 'self' data: https://looms.example;" in page.headers["Content-Security-Policy"]


async def test_item4_an_account_without_an_icon_or_contacts_shows_its_name_alone(sandbox):
    session = await sandbox.create_session()
    elements = (await open_page(sandbox, session.id)).elements
    assert elements.text("business-name") == "Sandbox shop"
    assert "business-icon" not in elements.testids()
    assert elements.text("business-details") == "Sandbox shop"
    assert "support-email" not in elements.testids()


async def test_item4_the_paid_page_keeps_the_business_header(looms):
    session = await looms.create_session()
    assert (await looms.pay(session.id)).status == 303
    elements = (await open_page(looms, session.id)).elements
    assert "session-complete" in elements.testids()
    assert elements.text("business-name") == "Kashmir Looms"


@pytest.mark.parametrize(
    ("currency", "unit_amount", "total"),
    [
        ("inr", 12345600, "₹1,23,456.00"),  # Indian grouping, as the shop's own pages write rupees
        ("usd", 123450, "$1,234.50"),
        ("jpy", 12345, "¥12,345"),  # zero-decimal: 12345 on the wire is ¥12,345
        ("kwd", 5120, "KWD 5.120"),  # three decimals
    ],
)
async def test_item4_money_is_written_for_its_currency(looms, currency, unit_amount, total):
    """An en-US browser (Playwright's and most test clients' default)."""
    session = await looms.create_session(line_items=[line("Pashmina shawl", unit_amount, currency=currency)])
    elements = (await open_page(looms, session.id, "en-US,en;q=0.9")).elements
    assert elements.text("total") == total
    assert elements.text("pay-button") == f"Pay {total}"
    assert elements.texts("line-item") == [f"Pashmina shawl {total} Qty 1"]


async def test_item4_two_shawls_show_the_unit_price_in_indian_grouping_too(looms):
    session = await looms.create_session(line_items=[line("Pashmina shawl", 6172800, currency="inr", quantity=2)])
    elements = (await open_page(looms, session.id)).elements
    assert elements.texts("line-item") == ["Pashmina shawl ₹1,23,456.00 Qty 2 · ₹61,728.00 each"]


@pytest.mark.parametrize(
    ("locale", "accept_language", "total"),
    [
        (None, "de-DE,de;q=0.9,en;q=0.5", "1.234,50 $"),  # auto (the default): the browser's first choice
        ("auto", "en-GB;q=0.5, fr-FR", "1 234,50 $US"),  # the most wanted, not the first written
        ("de", "en-US", "1.234,50 $"),  # the session's locale wins over the browser
        (None, "xx-QQ", "$1,234.50"),  # a tag babel does not know: en_US
    ],
)
async def test_item4_the_page_follows_the_session_locale_else_the_browser(looms, locale, accept_language, total):
    extra = {"locale": locale} if locale else {}
    session = await looms.create_session(line_items=[line("Pashmina shawl", 123450)], **extra)
    elements = (await open_page(looms, session.id, accept_language)).elements
    assert elements.text("total") == total


async def test_item4_rupees_keep_indian_grouping_in_any_english_and_no_other_symbol(looms):
    """The currency's own country's grouping, in the buyer's language, only where the symbols stay the buyer's:
    CAD stays CA$ for a US browser (en_CA's bare "$" would read as US dollars)."""
    rupees = await looms.create_session(line_items=[line("Pashmina shawl", 12345600, currency="inr")])
    dollars = await looms.create_session(line_items=[line("Maple syrup", 2500, currency="cad")])
    for language in ("en-US", "en-GB", "en-IN", "hi-IN"):
        assert (await open_page(looms, rupees.id, language)).elements.text("total") == "₹1,23,456.00", language
    assert (await open_page(looms, dollars.id, "en-US")).elements.text("total") == "CA$25.00"


async def test_item4_the_account_is_retrieved_in_stripes_wire_shape(looms):
    """GET /v1/account through the official SDK (v1.accounts.retrieve_current)."""
    account = await looms.sdk.v1.accounts.retrieve_current_async()
    assert account.object == "account" and account.id.startswith("acct_")
    assert (account.country, account.default_currency) == ("IN", "inr")
    profile = account.business_profile
    assert (profile.name, profile.support_email, profile.support_phone) == (
        "Kashmir Looms",
        "help@looms.example",
        "+91 98765 43210",
    )
    assert profile.support_address.to_dict() == {
        "city": None,
        "country": None,
        "line1": "12 Residency Road",
        "line2": "Srinagar 190001, India",
        "postal_code": None,
        "state": None,
    }
    assert account.company.name == "Kashmir Looms Private Limited"
    assert account.settings.branding.icon.startswith("file_")
    assert account.settings.branding.logo is None


async def test_item4_the_account_needs_the_key(looms):
    status, body, _ = await looms.call("GET", "/v1/account", auth=False)
    assert status == 401 and body["error"]["type"] == "invalid_request_error"


def test_item4_an_icon_must_be_an_absolute_url():
    with pytest.raises(ValueError, match="icon_url must be an absolute http"):
        BusinessProfile(icon_url="/static/favicon.svg")
