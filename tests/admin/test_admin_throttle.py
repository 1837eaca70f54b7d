"""Issue 24, item 20 (first half): the admin sign-in throttle cannot be turned against the owner.

Failed sign-ins count against the address the trusted proxy saw (tests/web/test_forwarded_for.py), so a stranger can
neither borrow the owner's address nor shed their own; a guesser spread over many addresses gets fewer tries
each once failures from everywhere reach an alarm, which one address cannot raise alone; and an address with no
failures of its own is never refused, so the owner can sign in during an attack.
"""

from __future__ import annotations

import aiohttp
import limits
import pytest

ADMIN_PASSWORD = "correct-horse-battery-staple"  # the password the test app is given (tests/support/app.py)
RIGHT = {"Authorization": aiohttp.encode_basic_auth("admin", ADMIN_PASSWORD)}
WRONG = {"Authorization": aiohttp.encode_basic_auth("admin", "a-guess")}
OWNER = "198.51.100.2"
STRANGER = "203.0.113.7"
PER_ADDRESS, GUARDED, ALARM = 10, 3, 100  # SIGN_IN_LIMIT, GUARDED_SIGN_IN_LIMIT, SIGN_IN_ALARM in galla/admin/auth.py


def via_proxy(*entries: str) -> dict:
    """The X-Forwarded-For our one trusted proxy passes on: what the client wrote, then the address it saw."""
    return {"X-Forwarded-For": ", ".join(entries)}


async def try_basic(client, credentials: dict, *entries: str) -> int:
    resp = await client.get("/api/admin/orders/ord_x", headers={**credentials, **via_proxy(*entries)})
    return resp.status  # 404: signed in (no such order); 401: refused; 429: throttled


def test_item20_throttle_settings_are_the_ones_these_tests_count():
    from galla.admin.auth import GUARDED_SIGN_IN_LIMIT, SIGN_IN_ALARM, SIGN_IN_LIMIT

    assert [limits.parse(r).amount for r in (SIGN_IN_LIMIT, GUARDED_SIGN_IN_LIMIT, SIGN_IN_ALARM)] == [
        PER_ADDRESS,
        GUARDED,
        ALARM,
    ]


async def test_item20_a_stranger_writing_the_owners_address_does_not_lock_the_owner_out(make_client):
    """Before, the leftmost X-Forwarded-For entry, which the client writes, was the address throttled."""
    client = await make_client(trust_forwarded_for=True)
    for _ in range(PER_ADDRESS + 5):
        assert await try_basic(client, WRONG, OWNER, STRANGER) in (401, 429)
    assert await try_basic(client, RIGHT, OWNER) == 404
    assert await try_basic(client, RIGHT, STRANGER) == 429  # the stranger's own address waits


async def test_item20_a_stranger_cannot_shed_the_throttle_by_making_up_addresses(make_client):
    client = await make_client(trust_forwarded_for=True)
    statuses = [await try_basic(client, WRONG, f"192.0.2.{n}", STRANGER) for n in range(PER_ADDRESS + 1)]
    assert statuses == [401] * PER_ADDRESS + [429]


async def test_item20_many_guessing_addresses_get_fewer_tries_but_the_owner_still_signs_in(make_client):
    client = await make_client(trust_forwarded_for=True)
    mistyped = "198.51.100.77"  # someone who got it wrong a few times before the attack
    for _ in range(GUARDED):
        assert await try_basic(client, WRONG, mistyped) == 401
    statuses = [
        await try_basic(client, WRONG, f"203.0.113.{100 + bot}")
        for bot in range(ALARM // PER_ADDRESS)
        for _ in range(PER_ADDRESS)
    ]
    assert statuses.count(401) == ALARM - GUARDED  # then the alarm: the last bot is held to GUARDED too
    assert await try_basic(client, RIGHT, mistyped) == 429  # held to GUARDED tries while under attack
    assert await try_basic(client, RIGHT, OWNER) == 404  # no failures of its own: never refused


async def test_item20_one_address_alone_cannot_raise_the_alarm(make_client):
    client = await make_client(trust_forwarded_for=True)
    for _ in range(ALARM + 20):  # refused after PER_ADDRESS, and refusals are not failures
        await try_basic(client, WRONG, STRANGER)
    other = "198.51.100.77"
    for _ in range(GUARDED + 1):
        assert await try_basic(client, WRONG, other) == 401  # more than GUARDED: no alarm raised


async def test_item20_the_sign_in_form_counts_against_the_proxys_address_too(make_client):
    client = await make_client(trust_forwarded_for=True)
    form = await client.get("/admin/login")
    token = token_of(await form.text())
    for _ in range(PER_ADDRESS):
        resp = await client.post(
            "/admin/login", data={"password": "a-guess", "csrf_token": token}, headers=via_proxy(OWNER, STRANGER)
        )
        assert resp.status == 401
        token = token_of(await resp.text())
    resp = await client.post(
        "/admin/login",
        data={"password": ADMIN_PASSWORD, "csrf_token": token},
        headers=via_proxy(OWNER),
        allow_redirects=False,
    )
    assert resp.status == 303


def token_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_item20_nothing_is_locked_for_good_each_window_passes():
    from galla.web.ratelimit import SignInThrottle

    clock = Clock()
    throttle = SignInThrottle("2/minute", "1/minute", "4/minute", clock=clock)
    for address in ("a", "a", "b", "b"):
        throttle.failed(address)
    assert throttle.under_attack() and throttle.retry_after("a") == 60 and throttle.retry_after("c") is None
    clock.now += 61
    assert not throttle.under_attack() and throttle.retry_after("a") is None


def test_item20_an_alarm_one_address_could_raise_is_refused():
    from galla.web.ratelimit import SignInThrottle

    with pytest.raises(ValueError):
        SignInThrottle("10/minute", "3/minute", "10/minute")


class Clock:
    """Time that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
