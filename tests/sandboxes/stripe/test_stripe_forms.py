"""The bracket-form decoder, against the SDK's own encoder: whatever stripe-python sends decodes back."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stripe._encode import _api_encode

from sandboxes.stripe.forms import FormError, decode_form, split_key


def sdk_body(data: dict[str, Any]) -> str:
    """The body stripe-python 16.1.0 builds (see _api_requestor: brackets are left unescaped)."""
    return urlencode(list(_api_encode(data))).replace("%5B", "[").replace("%5D", "]")


def as_sent(value: Any, array_element: bool = False) -> Any:
    """What a value looks like after the wire: strings everywhere, booleans as true/false, None left out.

    One SDK quirk: _api_encode lowercases booleans only when it walks a hash, so a boolean that is an
    element of an array goes out as Python spells it ("False"). An array inside an array is walked as a
    hash of its indexes, which flips that again for its own elements.
    """
    if isinstance(value, bool):
        return str(value) if array_element else str(value).lower()
    if isinstance(value, dict):
        return {key: as_sent(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [as_sent(item, array_element=not array_element) for item in value]
    return str(value)


keys = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
scalars = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12), st.integers(-(10**12), 10**12), st.booleans()
)
# Containers are never empty: an empty hash or array puts nothing on the wire, so it cannot come back.
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4), st.dictionaries(keys, inner, min_size=1, max_size=4)
    ),
    max_leaves=12,
)
params = st.dictionaries(keys, st.one_of(values, st.none()), max_size=6)


@pytest.mark.slow
@settings(max_examples=120, deadline=None)
@given(params)
def test_decoding_what_the_sdk_encodes_gives_back_the_params(data):
    assert decode_form(sdk_body(data)) == as_sent(data)


def test_a_checkout_session_body_decodes_to_nested_hashes_and_arrays():
    body = sdk_body(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Chai & biscuits"}},
                    "quantity": 2,
                }
            ],
            "metadata": {"order_id": "ord_1"},
            "success_url": "https://x/?id={CHECKOUT_SESSION_ID}",
            "expand": ["payment_intent"],
        }
    )
    assert decode_form(body) == {
        "mode": "payment",
        "metadata": {"order_id": "ord_1"},
        "success_url": "https://x/?id={CHECKOUT_SESSION_ID}",
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": "1000", "product_data": {"name": "Chai & biscuits"}},
                "quantity": "2",
            }
        ],
        "expand": ["payment_intent"],
    }


def test_empty_brackets_append_and_indexes_may_arrive_out_of_order():
    assert decode_form("expand[]=payment_intent&expand[]=line_items") == {"expand": ["payment_intent", "line_items"]}
    assert decode_form("a[1]=y&a[0]=x") == {"a": ["x", "y"]}


def test_a_hash_with_gaps_in_its_indexes_stays_a_hash_and_blank_values_are_kept():
    assert decode_form("a[0]=x&a[2]=z&metadata=") == {"a": {"0": "x", "2": "z"}, "metadata": ""}


def test_a_repeated_plain_key_keeps_the_last_value():
    assert decode_form("a=1&a=2") == {"a": "2"}


@pytest.mark.parametrize("body", ["a=1&a[b]=2", "a[b]=1&a=2", "a[0]=1&a[]=2", "[a]=1", "a[b]c=1", "a[][b]=1", "a]=1"])
def test_malformed_or_conflicting_keys_are_refused(body):
    with pytest.raises(FormError):
        decode_form(body)


def test_split_key_reads_every_segment():
    assert split_key("line_items[0][price_data][currency]") == ["line_items", "0", "price_data", "currency"]
    assert split_key("expand[]") == ["expand", ""]
