"""Issue 24 item 19 (review round): card numbers typed into free-text fields are redacted on pages.

What the first pass missed: a card number typed (or pasted) with two spaces between its groups, a no-break space,
a slash or a spaced dash (" - ") was kept whole, and so was one typed as a postal code in a country with no postal
code pattern (any 16 letters or digits passed there), and shown on the order page, the receipt and the admin.
"""

from __future__ import annotations

import pytest
from support.addresses import shipping_address
from support.app import checkout_body

from galla.ops.redact import REDACTED, redact_card_numbers

TYPED = [
    "4111  1111  1111  1111",
    "4111\u00a01111\u00a01111\u00a01111",
    "4111 - 1111 - 1111 - 1111",
    "4111/1111/1111/1111",
    "4111--1111--1111--1111",
    "4111\u20091111\u20091111\u20091111",
]


@pytest.mark.parametrize("typed", TYPED)
def test_item19_a_card_number_typed_with_any_common_spacing_is_redacted(typed):
    assert redact_card_numbers(f"Asha {typed} Rao") == f"Asha {REDACTED} Rao"


@pytest.mark.parametrize(
    "kept", ["Flat 12 / 4, 560001", "Plot 1203, Sector 45", "12-3456-789 Tower", "+91 98765 43210", "2026-12-06"]
)
def test_item19_ordinary_numbers_in_an_address_are_kept(kept):
    assert redact_card_numbers(kept) == kept


async def test_item19_a_card_number_typed_as_a_postal_code_is_never_stored(client):
    body = checkout_body(country="KE", shipping_address=shipping_address("KE", postal_code="4111111111111111"))
    resp = await client.post("/api/checkout", json=body)
    assert resp.status in (400, 422), await resp.text()
    assert (await resp.json())["error"]["field"] == "shipping_address.postal_code"


@pytest.mark.parametrize("typed", [t for t in TYPED if "/" not in t])
def test_item19_the_admin_trace_redacts_a_card_number_in_a_gateway_answer_however_it_was_typed(typed):
    """A Razorpay payment's notes are the buyer's browser's (checkout.js options) and come back in the answers the
    trace shows; the Redactor the trace (and the logs) use caught only single spaces or dashes."""
    from galla.ops.redact import Redactor

    shown = Redactor([]).value({"response": {"notes": {"gift_message": f"card {typed} thanks"}}})
    assert shown == {"response": {"notes": {"gift_message": f"card {REDACTED} thanks"}}}
