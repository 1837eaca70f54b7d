"""The outbox's preview of an email as the buyer sees it: the message page frames it sandboxed, and the preview
route answers the email's HTML under a policy of its own (no script, inline styles, framed by our pages only),
to the admin alone."""

from __future__ import annotations

import re

import pytest
from support.app import ADMIN

from galla.store.outbox import new_message, queue_message
from galla.web.state import DATABASE

HOSTILE = (
    '<p id="probe" style="color: #8a2c0d">static</p>'
    "<script>document.getElementById('probe').textContent = 'ran'</script>"
)


def directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy as {directive: its sources}."""
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: sources for name, _, sources in pairs}


async def queue(client, message_id: str = "msg_preview", *, html: str | None = HOSTILE) -> str:
    doc = new_message(message_id, kind="receipt", to="meera@example.in", subject="Your receipt", text="Hi", html=html)
    assert await queue_message(client.app[DATABASE].db, doc)
    return message_id


async def test_the_message_page_frames_the_preview_in_a_sandbox_that_allows_nothing(client):
    message_id = await queue(client)
    resp = await client.get(f"/admin/outbox/{message_id}", headers=ADMIN)
    page = await resp.text()
    frame = re.search(r"<iframe\b[^>]*>", page)
    assert frame, "no preview frame on the message page"
    assert re.search(r"\ssandbox[\s>]", frame[0]) and "allow-" not in frame[0]
    assert f'src="/admin/outbox/{message_id}/preview"' in frame[0]
    assert "'self'" in directives(resp.headers["Content-Security-Policy"])["frame-src"].split()
    # The admin's own page is framed by nobody.
    assert (
        resp.headers["X-Frame-Options"],
        directives(resp.headers["Content-Security-Policy"])["frame-ancestors"],
    ) == (
        "DENY",
        "'none'",
    )


async def test_the_preview_is_the_emails_html_under_a_policy_that_runs_no_script(client):
    message_id = await queue(client)
    resp = await client.get(f"/admin/outbox/{message_id}/preview", headers=ADMIN)
    assert (resp.status, resp.content_type, await resp.text()) == (200, "text/html", HOSTILE)
    policy = directives(resp.headers["Content-Security-Policy"])
    # No script-src, so default-src 'none' forbids every script; sandbox gives the document an opaque origin too.
    assert "script-src" not in policy and policy["default-src"] == "'none'" and "sandbox" in policy
    assert policy["style-src"] == "'unsafe-inline'"  # mail clients honour inline styles; so does the preview
    assert (policy["frame-ancestors"], resp.headers["X-Frame-Options"]) == ("'self'", "SAMEORIGIN")
    assert resp.headers["Cache-Control"] == "no-store"  # a buyer's receipt, like every admin page


async def test_only_the_admin_sees_a_preview(client):
    message_id = await queue(client)
    anonymous = await client.get(f"/admin/outbox/{message_id}/preview", allow_redirects=False)
    assert (anonymous.status, anonymous.headers["Location"]) == (303, "/admin/login")
    wrong = await client.get(
        f"/admin/outbox/{message_id}/preview", headers={"Authorization": "Basic eDp5"}, allow_redirects=False
    )
    assert wrong.status == 303 and HOSTILE not in await wrong.text()


@pytest.mark.parametrize("html", [None, ""])
async def test_a_message_without_html_has_no_preview(client, html):
    message_id = await queue(client, html=html)
    page = await (await client.get(f"/admin/outbox/{message_id}", headers=ADMIN)).text()
    assert "<iframe" not in page
    resp = await client.get(f"/admin/outbox/{message_id}/preview", headers=ADMIN)
    assert resp.status == 404


async def test_an_unknown_message_has_no_preview(client):
    resp = await client.get("/admin/outbox/msg_nothing/preview", headers=ADMIN)
    assert resp.status == 404
