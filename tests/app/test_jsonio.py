"""JSON in and out with orjson: read exactly as the json module reads, written as it would be read back."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galla.jsonio import dumps, has_long_digit_run, loads

pytestmark = pytest.mark.slow

# Values json writes, big integers and non-string keys among them (orjson alone refuses both).
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4) | st.integers(-5, 5), inner, max_size=4)
    ),
    max_leaves=20,
)
# Texts json reads and some it refuses: NaN, lone surrogates, deep or broken nesting, UTF-16 bytes.
texts = st.one_of(
    values.map(json.dumps),
    st.sampled_from(
        [
            "NaN",
            "[Infinity, -Infinity]",
            '"\\ud800"',
            '{"a": 1, "a": 2}',
            "1e400",
            "-0",
            "[1,]",
            "{'a': 1}",
            "",
            " \n",
            "[" * 50 + "]" * 50,
            "\ufeff{}",
            '{"a": "\\u00e9"}',
            "18446744073709551616",
            "-9223372036854775809",
            '{"phone": "+919812345678901234567"}',
            "[1.00000000000000000001]",
        ]
    ),
    st.text(max_size=8),
)


def outcome(read, text):
    """What reading a text gives: the value (NaN made comparable), or the error's type and message."""
    try:
        value = read(text)
    except ValueError as exc:
        return type(exc), str(exc)
    return json.dumps(value, sort_keys=True) if not isinstance(value, float) or not math.isnan(value) else "nan"


@settings(max_examples=400, deadline=None)
@given(texts, st.booleans())
def test_reads_what_json_reads_and_refuses_what_it_refuses(text, as_bytes):
    data = text.encode("utf-8", "surrogatepass") if as_bytes else text
    assert outcome(loads, data) == outcome(json.loads, data)


def test_reads_json_in_utf16_as_json_does():
    assert loads('{"amount": 100}'.encode("utf-16")) == {"amount": 100}


@settings(max_examples=300, deadline=None)
@given(values.filter(lambda value: "Infinity" not in json.dumps(value)))
def test_what_it_writes_reads_back_as_jsons_own(value):
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))


def test_writes_utf8_compactly_either_way_and_refuses_what_is_not_json():
    assert dumps({"price": "₹499", 1: [2]}) == '{"price":"₹499","1":[2]}'
    assert dumps({"price": "₹499", 1: [2**70]}) == '{"price":"₹499","1":[1180591620717411303424]}'
    assert dumps([math.inf, -math.inf, math.nan]) == "[null,null,null]"
    with pytest.raises(ValueError):
        dumps([math.nan, 2**70])
    for not_json in ({"x": object()}, {"x": object(), "big": 2**70}):
        with pytest.raises(TypeError):
            dumps(not_json)


# Digit runs around the 19 that sends a text to json, with other digits (Devanagari, Arabic-Indic) that are not
# ASCII ones beside them, and lone surrogates.
digit_runs = st.lists(
    st.one_of(
        st.text("0123456789", min_size=17, max_size=21),
        st.text("०१٣", max_size=3),
        st.text(max_size=3),
        st.just("\ud800"),
    ),
    max_size=4,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(digit_runs, st.booleans())
def test_a_long_digit_run_is_found_as_the_regular_expression_finds_it(text, as_bytes):
    data = text.encode("utf-8", "surrogatepass") if as_bytes else text
    assert has_long_digit_run(data) == (re.search("[0-9]{19}", text) is not None)
