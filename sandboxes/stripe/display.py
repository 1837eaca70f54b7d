"""Amounts on the hosted page as the buyer reads them: in the page's locale, each currency grouped as its own
country groups it (₹1,23,456.00, $1,234.50, ¥12,345)."""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_currency,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_territory_currencies,
)

from .money import major_units

DEFAULT_LOCALE = Locale("en", "US")
# CLDR's currencySpacing, which babel does not apply: a symbol ending (or starting) in a letter keeps a no-break
# space from the digits beside it, as browsers' Intl.NumberFormat writes them ("ISK 15", not "ISK15").
LETTER_AGAINST_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def page_locale(session_locale: str | None, accept_language: str | None) -> Locale:
    """Return the locale the page is shown in: the session's `locale`, or the browser's when it is blank or auto."""
    # "The IETF language tag of the locale Checkout is displayed in. If blank or `auto`, the browser's locale is
    # used." (docs.stripe.com/api/checkout/sessions/object, and stripe-python's checkout/_session.py). The browser's
    # locale is its Accept-Language's first choice; a tag babel does not know falls back to its language, then en_US.
    tags = [session_locale] if session_locale and session_locale != "auto" else browser_tags(accept_language or "")
    for tag in tags:
        found = parse_tag(tag)
        if found is not None:
            return found
    return DEFAULT_LOCALE


def browser_tags(header: str) -> list[str]:
    """Return an Accept-Language header's language tags, most wanted first ("*" and q=0 left out)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def parse_tag(tag: str) -> Locale | None:
    """Return babel's locale for an IETF tag ("en-IN", "pt-BR", "es-419"), or its language's, or None."""
    for candidate in (tag, tag.split("-")[0]):
        try:
            return Locale.parse(candidate.replace("-", "_"))
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return None


def amount_locale(currency: str, buyer: Locale) -> Locale:
    """Return the locale an amount is written in: the buyer's language as the currency's country writes it."""
    # en_IN for rupees (₹1,23,456.00, as the shop's own pages write them), but only where that changes the grouping
    # alone and keeps the symbols the buyer reads: en_CA writes CAD as a bare "$", which a US buyer takes for their
    # own dollars, and en_HU writes HUF 800.45 as "800,45 HUF". Stripe documents the page's locale, not this rule.
    code = currency.upper()
    home = code[:2]  # ISO 4217 codes start with their country's ISO 3166 code
    if code not in get_territory_currencies(home):
        return buyer
    try:
        local = Locale(buyer.language, home)
    except UnknownLocaleError:
        return buyer
    symbols = (lambda at: get_currency_symbol(code, at), get_decimal_symbol, get_group_symbol)
    return local if all(symbol(local) == symbol(buyer) for symbol in symbols) else buyer


def format_for_buyer(amount: int, currency: str, buyer: Locale) -> str:
    """Return a wire amount for the page: ₹1,23,456.00 for 12345600 INR, $1,234.50 for 123450 USD, ¥12,345."""
    code = currency.upper()
    # Never rounded to CLDR's digits: Stripe charges HUF 10.45 as such (docs.stripe.com/currencies#special-cases).
    text = format_currency(
        major_units(amount, code), code, locale=amount_locale(code, buyer), decimal_quantization=False
    )
    return LETTER_AGAINST_DIGIT.sub("\u00a0", text)
