"""The checkout form's rules by country: the one source of what POST /api/checkout refuses, and of what the
checkout page checks and says before it asks (GET /checkout renders them, shop-checkout.js applies them).

Phone numbers follow libphonenumber's metadata (the `phonenumbers` package): a number is the country's national
number, written alone, after its national prefix or after +<country code>; India's must be a mobile number
(UPI and the courier's calls need one), elsewhere a mobile or a fixed line.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import phonenumbers
from babel import Locale
from phonenumbers import PhoneMetadata, PhoneNumberFormat, PhoneNumberType

from galla.orders.addresses import postal_code_rule, state_rule
from galla.orders.field_rules import FieldRule

# Babel's territories include regions and placeholders (001, EU, ZZ); buyers live in countries.
COUNTRIES = {
    code: name
    for code, name in Locale("en").territories.items()
    if code.isalpha() and code not in {"EU", "EZ", "UN", "QO", "ZZ"}
}
# WHATWG's "valid e-mail address" (the one <input type=email> checks), with at least one dot in the domain:
# an address a shop can write to.
_EMAIL = (
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
NAME = FieldRule("Enter your full name", tidy=("trim", "one_space"))
EMAIL = FieldRule(
    "Enter your email address", "Enter your email address, like name@example.com", max_length=254, pattern=_EMAIL
)
COUNTRY = FieldRule("Choose your country", "Choose your country from the list", max_length=2)
LINE1 = FieldRule("Enter your flat or house number, building and street", max_length=200)
LINE2 = FieldRule("", required=False, max_length=200)
CITY = FieldRule("Enter your town or city")


@cache
def phone_rule(country: str) -> FieldRule:
    """The rule of a phone number in a country, from libphonenumber's metadata."""
    meta = PhoneMetadata.metadata_for_region(country)
    if meta is None:  # places without a numbering plan of their own (Antarctica, say): any number in E.164
        return FieldRule(
            "Enter your phone number",
            "Enter your phone number with its country code, like +44 7400 123456",
            max_length=25,
            example="+44 7400 123456",
            pattern=r"\+[1-9][0-9]{6,14}",
            tidy=("trim", "phone"),
        )
    kinds = (meta.mobile,) if country == "IN" else (meta.mobile, meta.fixed_line)
    national = "|".join(dict.fromkeys(k.national_number_pattern for k in kinds if k and k.national_number_pattern))
    prefixes = "|".join([rf"\+{meta.country_code}", *([meta.national_prefix] if meta.national_prefix else [])])
    if country == "IN":
        example = "98765 43210"
        missing, invalid = "Enter your mobile number", f"Enter a 10-digit mobile number, like {example}"
    else:
        number = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
        example = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL) if number else ""
        like = f", like {example}" if example else ""
        missing, invalid = "Enter your phone number", f"Enter your phone number{like}"
    return FieldRule(
        missing,
        invalid,
        max_length=25,
        example=example,
        # The country's own numbers in full; another country's (a buyer abroad, an expat) by E.164's shape.
        pattern=rf"(?:{prefixes})?(?:{national})|{foreign_number(meta.country_code or 0)}",
        tidy=("trim", "phone"),
    )


def foreign_number(country_code: int) -> str:
    """A phone number in E.164's shape whose country code is not `country_code` (country codes are prefix-free)."""
    return rf"\+(?!{country_code})[1-9][0-9]{{6,14}}"


def checkout_rules(country: str) -> dict[str, FieldRule]:
    """Every rule of the checkout form for a buyer in `country`, by field path, in the form's order."""
    return {
        "customer.name": NAME,
        "customer.email": EMAIL,
        "customer.phone": phone_rule(country),
        "country": COUNTRY,
        "shipping_address.name": replace(NAME, required=False),
        "shipping_address.phone": replace(phone_rule(country), required=False),
        "shipping_address.line1": LINE1,
        "shipping_address.line2": LINE2,
        "shipping_address.city": CITY,
        "shipping_address.postal_code": postal_code_rule(country),
        "shipping_address.state": state_rule(country),
    }


def rules_for_page(country: str) -> dict[str, dict[str, Any]]:
    """The rules of the checkout form as the page reads them (#field-rules, GET /checkout/rules/{country})."""
    return {field: rule.to_dict() for field, rule in checkout_rules(country).items()}
