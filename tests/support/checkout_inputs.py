"""Issue 26, item 3: one table of checkout inputs, good and bad, that the server and the page must judge alike."""

from __future__ import annotations

from support.addresses import shipping_address

BUYERS = {
    "IN": {"name": "Meera Iyer", "email": "meera@example.in", "phone": "98450 12345"},
    "US": {"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 202 555 0143"},
    "GB": {"name": "Tom Ward", "email": "tom@example.co.uk", "phone": "+44 7400 123456"},
    "DE": {"name": "Lena Vogel", "email": "lena@example.de", "phone": "+49 1512 3456789"},
}
# (country, field, value, the words a person reads)
BAD = [
    ("IN", "customer.name", "   ", "Enter your full name"),
    ("IN", "customer.email", "", "Enter your email address"),
    ("IN", "customer.email", "meera@", "Enter your email address, like name@example.com"),
    ("IN", "customer.email", "meera at example.in", "Enter your email address, like name@example.com"),
    ("IN", "customer.email", "meera@example", "Enter your email address, like name@example.com"),
    ("IN", "customer.phone", "", "Enter your mobile number"),
    ("IN", "customer.phone", "98450 1234", "Enter a 10-digit mobile number, like 98765 43210"),
    ("IN", "customer.phone", "+91 12345 67890", "Enter a 10-digit mobile number, like 98765 43210"),
    ("IN", "customer.phone", "call me", "Enter a 10-digit mobile number, like 98765 43210"),
    ("IN", "shipping_address.line1", "", "Enter your flat or house number, building and street"),
    ("IN", "shipping_address.city", " ", "Enter your town or city"),
    ("IN", "shipping_address.postal_code", "", "Enter your 6-digit PIN code, like 560001"),
    ("IN", "shipping_address.postal_code", "56001", "Enter a 6-digit PIN code that does not start with 0, like 560001"),
    (
        "IN",
        "shipping_address.postal_code",
        "012345",
        "Enter a 6-digit PIN code that does not start with 0, like 560001",
    ),
    ("IN", "shipping_address.state", "", "Choose your state or union territory"),
    ("US", "customer.phone", "+1 123 555 0143", "Enter your phone number, like +1 201-555-0123"),
    ("US", "shipping_address.postal_code", "9404", "Enter a ZIP code as it is written in the country, like 94043"),
    ("US", "shipping_address.state", "", "Enter your state"),
    ("GB", "shipping_address.postal_code", "12345", "Enter a postcode as it is written in the country, like EC1Y 8SY"),
    ("DE", "shipping_address.postal_code", "", "Enter your Postleitzahl, like 26133"),
]
GOOD = [
    ("IN", "customer.phone", "+91 98765 43210"),
    ("IN", "customer.phone", "098765-43210"),
    ("IN", "customer.phone", "+44 7400 123456"),  # a buyer's number from abroad
    ("IN", "shipping_address.postal_code", "560 001"),
    ("US", "shipping_address.postal_code", "94043-1351"),
    ("GB", "shipping_address.postal_code", "sw1a 2aa"),
]


def checkout_with(country: str, field: str, value: str) -> dict:
    """A checkout body from `country` with one field set to `value`."""
    customer, address = dict(BUYERS[country]), shipping_address(country)
    part, _, name = field.partition(".")
    (customer if part == "customer" else address)[name] = value
    return {
        "items": [{"product_id": "masala-chai", "quantity": 1}],
        "country": country,
        "customer": customer,
        "shipping_address": address,
    }
