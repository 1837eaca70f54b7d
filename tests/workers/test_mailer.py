"""The outbox mailer against a real SMTP server on a socket (aiosmtpd): receipts sent once, retried while the
server is down, held while none is configured, and never sent inside the request that paid the order."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
from aiosmtpd.smtp import SMTP
from support.app import ADMIN, CUSTOMER, checkout_body
from support.webhooks import deliver, deliver_all, events_named, place

from galla.settings import Settings
from galla.store.outbox import claim_message, get_message, new_message, queue_message
from galla.web.state import DATABASE, SETTINGS
from galla.workers.mailer import MailerSettings, mailer_settings, run_mailer, send_due

# 1 × ₹1,23,456 saree + 2 × ₹349 chai: big enough for the lakh in Indian grouping.
DEAR_ITEMS = [{"product_id": "banarasi-saree", "quantity": 1}, {"product_id": "masala-chai", "quantity": 2}]
DEAR_TOTAL = "₹1,24,154.00"


@dataclass
class Inbox:
    """An SMTP server (aiosmtpd's protocol on an asyncio server, port 0) keeping every message it accepts."""

    port: int = 0
    received: list = field(default_factory=list)
    reply: str | None = None  # an error reply to give DATA instead of accepting it
    delay: float = 0.0
    server: asyncio.base_events.Server | None = None

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        if self.reply:
            return self.reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append({"from": envelope.mail_from, "to": envelope.rcpt_tos, "message": message})
        return "250 Message accepted for delivery"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: SMTP(self, hostname="inbox.test"), "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    def bodies(self, i: int = 0) -> tuple[str, str]:
        """The plain text and HTML parts of the i-th message."""
        message = self.received[i]["message"]
        return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


@pytest.fixture
async def inbox():
    box = Inbox()
    await box.start()
    yield box
    await box.stop()


def smtp_settings(inbox: Inbox, **overrides) -> dict:
    """Settings overrides pointing the app at the test inbox; the in-server loop off unless asked for."""
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": inbox.port,
        "smtp_starttls": False,
        "smtp_timeout": 5,
        "mail_poll_seconds": 0,
        **overrides,
    }


def mailer_for(inbox: Inbox, **overrides) -> MailerSettings:
    return MailerSettings(host="127.0.0.1", port=inbox.port, starttls=False, timeout=5, **overrides)


async def paid_by_browser_and_webhooks(client, sandbox, items=None) -> dict:
    """A UPI order paid through checkout.js's verify call, then told again by both of Razorpay's webhooks."""
    placed = await place(client, checkout_body(items))
    status, paid = await sandbox.pay(placed["razorpay"]["order_id"], method="upi", outcome="success")
    assert status == 200, paid
    resp = await client.post("/api/payments/razorpay/verify", json={"order_id": placed["order_id"], **paid})
    assert (await resp.json())["status"] == "paid"
    await deliver_all(client, events_named(sandbox, "payment.captured", "order.paid"))
    return placed


def outbox(client):
    return client.app[DATABASE].db.outbox


# -- sending ------------------------------------------------------------------------------------------------


async def test_receipt_reaches_the_buyer_once_though_verify_and_webhooks_all_pay_it(
    make_client, razorpay_sandbox, inbox
):
    client = await make_client(**smtp_settings(inbox), smtp_from="orders@galla.test")
    placed = await paid_by_browser_and_webhooks(client, razorpay_sandbox, DEAR_ITEMS)
    order_id = placed["order_id"]
    assert await outbox(client).count_documents({}) == 1

    mailer = mailer_settings(client.app[SETTINGS])
    report = await send_due(client.app[DATABASE].db, mailer)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert (await send_due(client.app[DATABASE].db, mailer)).sent == 0  # nothing left to send
    assert len(inbox.received) == 1

    got = inbox.received[0]
    assert got["to"] == [CUSTOMER["email"].lower()] and got["from"] == "orders@galla.test"
    assert got["message"]["Subject"] == f"Your Galla receipt for order {order_id}"
    assert got["message"]["From"] == "Galla <orders@galla.test>"
    text, html = inbox.bodies()
    for body in (text, html):
        assert order_id in body and DEAR_TOTAL in body
        assert "Banarasi Silk Saree" in body and "₹1,23,456.00" in body and "₹349.00" in body
    assert "UPI" in text and "Razorpay" in text and " IST" in text

    stored = await get_message(client.app[DATABASE].db, f"receipt:{order_id}")
    assert (stored.status, stored.attempts, stored.last_error) == ("sent", 1, None)
    assert stored.sent_at is not None and stored.order_id == order_id and stored.kind == "receipt"


async def test_two_senders_racing_send_each_message_once(database, inbox):
    db = database.db
    ids = [f"receipt:ord_race{i}" for i in range(6)]
    for message_id in ids:
        assert await queue_message(
            db,
            new_message(message_id, kind="receipt", to="buyer@example.in", subject=message_id, text="hello", html=None),
        )
    assert not await queue_message(
        db, new_message(ids[0], kind="receipt", to="buyer@example.in", subject="again", text="hello", html=None)
    )
    inbox.delay = 0.02  # each send takes a while, so the two passes overlap throughout
    mailer = mailer_for(inbox)
    first, second = await asyncio.gather(send_due(db, mailer, holder="one"), send_due(db, mailer, holder="two"))

    assert first.sent + second.sent == len(ids) and first.sent and second.sent
    assert sorted(m["message"]["Subject"] for m in inbox.received) == sorted(ids)
    assert await db.outbox.count_documents({"status": "sent", "attempts": 1}) == len(ids)


async def test_a_claim_is_exclusive_until_its_lease_runs_out(database):
    from datetime import timedelta

    db = database.db
    await queue_message(
        db, new_message("receipt:ord_lease", kind="receipt", to="a@example.in", subject="s", text="t", html=None)
    )
    taken = await claim_message(db, "one", timedelta(seconds=60))
    assert taken.status == "sending" and taken.claimed_by == "one"
    assert await claim_message(db, "two", timedelta(seconds=60)) is None
    # "one" died mid-send: once its lease is over, another process takes the message.
    later = taken.claimed_until + timedelta(seconds=1)
    again = await claim_message(db, "two", timedelta(seconds=60), at=later)
    assert again.claimed_by == "two" and again.attempts == 2


async def test_smtp_down_is_retried_later_keeping_the_error_then_sent(database, unused_tcp_port):
    db = database.db
    await queue_message(
        db,
        new_message(
            "receipt:ord_down",
            kind="receipt",
            to="a@example.in",
            subject="Receipt",
            text="₹1,24,154.00",
            html="<p>₹1,24,154.00</p>",
        ),
    )
    inbox = Inbox(port=unused_tcp_port)  # nothing listens there yet
    mailer = MailerSettings(host="127.0.0.1", port=unused_tcp_port, starttls=False, timeout=2, retry_after=0.4)

    report = await send_due(db, mailer)
    assert (report.sent, report.retried) == (0, 1)
    waiting = await get_message(db, "receipt:ord_down")
    assert waiting.status == "queued" and waiting.attempts == 1
    assert "connect" in waiting.last_error.lower() or "refused" in waiting.last_error.lower()
    assert waiting.next_attempt_at > waiting.created_at

    await inbox.start()
    try:
        # Not due yet: the back-off is kept even though the server is back.
        assert (await send_due(db, mailer)).sent == 0
        await asyncio.sleep(0.45)
        assert (await send_due(db, mailer)).sent == 1
    finally:
        await inbox.stop()
    sent = await get_message(db, "receipt:ord_down")
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert [m["message"]["Subject"] for m in inbox.received] == ["Receipt"]


async def test_a_refusing_server_is_retried_with_back_off_until_attempts_run_out(database, inbox):
    db = database.db
    await queue_message(
        db, new_message("receipt:ord_busy", kind="receipt", to="a@example.in", subject="Receipt", text="t", html=None)
    )
    inbox.reply = "451 4.3.0 Try again later"
    mailer = mailer_for(inbox, max_attempts=3, retry_after=0.05)
    delays = []
    for _ in range(3):
        await send_due(db, mailer)
        message = await get_message(db, "receipt:ord_busy")
        if message.status == "queued":
            delays.append(message.next_attempt_at.timestamp() - time.time())
            await asyncio.sleep(max(0, delays[-1]) + 0.01)
    assert message.status == "failed" and message.attempts == 3
    assert "451" in message.last_error and "Try again later" in message.last_error
    assert len(delays) == 2 and delays[1] > delays[0]  # the wait doubles
    assert inbox.received == []
    assert (await send_due(db, mailer)).handled == 0  # failed for good: not taken again by itself


async def test_a_message_that_cannot_be_written_as_an_email_fails_alone_and_the_rest_go(database, inbox):
    """Python's email package refuses a header with a line break (ValueError): that message is marked failed for
    good, and the pass goes on to the next instead of stopping every email behind it."""
    db = database.db
    bad = new_message(
        "receipt:ord_bad", kind="receipt", to="a@example.in", subject="Receipt\r\nBcc: x@evil.test", text="t", html=None
    )
    good = new_message("receipt:ord_good", kind="receipt", to="b@example.in", subject="Receipt", text="t", html=None)
    for message in (bad, good):
        await queue_message(db, message)
    await send_due(db, mailer_for(inbox))
    failed = await get_message(db, "receipt:ord_bad")
    assert failed.status == "failed" and "ValueError" in failed.last_error
    assert (await get_message(db, "receipt:ord_good")).status == "sent"
    assert [m["to"] for m in inbox.received] == [["b@example.in"]]


def test_shop_details_with_control_characters_or_a_bad_email_are_refused_at_startup():
    """SHOP_NAME goes into From and subjects, SHOP_EMAIL into Reply-To: a stray \\r (a CRLF .env) is refused."""
    for bad in ({"shop_name": "Galla\r"}, {"shop_email": "help@shop.in\r\nBcc: x@evil.test"}, {"shop_email": "nope"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Settings(_env_file=None, **bad)
    assert Settings(_env_file=None, shop_address="12 MG Road\nBengaluru 560001").shop_details.address_lines == [
        "12 MG Road",
        "Bengaluru 560001",
    ]


# -- no SMTP: held, visible, and sendable later -------------------------------------------------------------


async def test_without_smtp_receipts_are_held_shown_in_the_admin_and_sent_once_configured(
    make_client, razorpay_sandbox, inbox
):
    client = await make_client(mail_poll_seconds=0)
    placed = await paid_by_browser_and_webhooks(client, razorpay_sandbox)
    order_id, message_id = placed["order_id"], f"receipt:{placed['order_id']}"
    db = client.app[DATABASE].db
    assert not mailer_settings(client.app[SETTINGS]).configured
    assert (await get_message(db, message_id)).status == "held"  # queued as held: there is no SMTP server
    report = await send_due(db, mailer_settings(client.app[SETTINGS]))
    assert report.held == 0 and report.sent == 0  # so a hold pass finds nothing left queued

    page = await client.get("/admin/outbox", headers=ADMIN)
    html = await page.text()
    assert page.status == 200 and order_id in html and 'data-status="held"' in html
    assert CUSTOMER["email"].lower() in html and "SMTP_HOST" in html
    anonymous = await client.get("/admin/outbox", allow_redirects=False)  # admins only
    assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/admin/login")
    held_only = await (await client.get("/admin/outbox?status=held", headers=ADMIN)).text()
    assert order_id in held_only
    assert order_id not in await (await client.get("/admin/outbox?status=sent", headers=ADMIN)).text()
    bad = await client.get("/admin/outbox?status=lost", headers=ADMIN)
    assert bad.status == 422 and 'data-field="status"' in await bad.text()

    one = await client.get(f"/admin/outbox/{message_id}", headers=ADMIN)
    shown = await one.text()
    assert one.status == 200 and "₹1,997.00" in shown and order_id in shown and 'data-testid="resend"' in shown
    assert (await client.get("/admin/outbox/receipt:ord_unknown", headers=ADMIN)).status == 404

    # SMTP configured later: the next pass sends what was held, by itself.
    assert (await send_due(db, mailer_for(inbox))).sent == 1
    assert len(inbox.received) == 1 and order_id in inbox.bodies()[0]
    assert (await get_message(db, message_id)).status == "sent"


async def test_without_smtp_the_mailer_holds_leftovers_once_then_never_scans_again(database):
    db = database.db
    leftover = new_message(
        "receipt:ord_left", kind="receipt", to="a@example.in", subject="Receipt", text="t", html=None
    )
    await queue_message(db, leftover)  # queued by a run that had SMTP, or by another process
    stop = asyncio.Event()
    mailer = mailer_settings(Settings(_env_file=None, mail_poll_seconds=0.01))
    assert not mailer.configured
    task = asyncio.create_task(run_mailer(db, mailer, stop))
    for _ in range(100):
        if (await get_message(db, "receipt:ord_left")).status == "held":
            break
        await asyncio.sleep(0.01)
    assert (await get_message(db, "receipt:ord_left")).status == "held"
    # No pass comes back: a hold pass reads the whole outbox, and this process queues its own mail held.
    await queue_message(db, {**leftover, "_id": "receipt:ord_later"})
    await asyncio.sleep(0.1)
    assert (await get_message(db, "receipt:ord_later")).status == "queued" and not task.done()
    stop.set()
    await asyncio.wait_for(task, 1)


async def test_resend_puts_a_failed_message_back_in_the_queue(make_client, database, inbox):
    client = await make_client(mail_poll_seconds=0)
    db = database.db
    await queue_message(
        db, new_message("receipt:ord_failed", kind="receipt", to="a@example.in", subject="Receipt", text="t", html=None)
    )
    inbox.reply = "554 5.7.1 No thanks"
    await send_due(db, mailer_for(inbox, max_attempts=1))
    assert (await get_message(db, "receipt:ord_failed")).status == "failed"

    resp = await client.post("/admin/outbox/receipt:ord_failed/resend", headers=ADMIN, allow_redirects=False)
    assert resp.status == 303 and unquote(resp.headers["Location"]) == "/admin/outbox/receipt:ord_failed?done=resend"
    done = await client.get(resp.headers["Location"], headers=ADMIN)
    assert done.status == 200 and 'data-testid="message-notice"' in await done.text()
    queued = await get_message(db, "receipt:ord_failed")
    assert (queued.status, queued.attempts, queued.last_error) == ("queued", 0, "554 5.7.1 No thanks")
    # Only held or failed messages can be sent again: a queued one is refused, naming the field.
    again = await client.post("/admin/outbox/receipt:ord_failed/resend", headers=ADMIN)
    assert again.status == 409 and 'data-field="message_id"' in await again.text()
    assert (await client.post("/admin/outbox/receipt:ord_nope/resend", headers=ADMIN)).status == 404

    inbox.reply = None
    assert (await send_due(db, mailer_for(inbox))).sent == 1
    assert (await get_message(db, "receipt:ord_failed")).status == "sent"


# -- never inside the request -------------------------------------------------------------------------------


@dataclass
class StallingServer:
    """Accepts SMTP connections and never says a word, until closed."""

    connections: list = field(default_factory=list)
    server: asyncio.base_events.Server | None = None
    port: int = 0

    def __call__(self) -> asyncio.Protocol:
        owner = self

        class Silent(asyncio.Protocol):
            def connection_made(self, transport):
                owner.connections.append(transport)

        return Silent()

    async def start(self) -> None:
        self.server = await asyncio.get_running_loop().create_server(self, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for transport in self.connections:
            transport.close()
        self.server.close()
        await self.server.wait_closed()


async def test_the_webhook_answers_while_the_smtp_server_stalls(make_client, razorpay_sandbox):
    stalling = StallingServer()
    await stalling.start()
    try:
        client = await make_client(
            smtp_host="127.0.0.1", smtp_port=stalling.port, smtp_starttls=False, smtp_timeout=30, mail_poll_seconds=0.05
        )
        db = client.app[DATABASE].db
        placed = await place(client, checkout_body())
        status, _ = await razorpay_sandbox.pay(placed["razorpay"]["order_id"], method="upi")
        assert status == 200
        started = time.monotonic()
        status, ack = await deliver(client, events_named(razorpay_sandbox, "payment.captured")[0])
        took = time.monotonic() - started
        assert status == 200 and ack["received"] is True and took < 1.0
        # The background mailer is now stuck in the SMTP greeting, with the message claimed.
        message_id = f"receipt:{placed['order_id']}"
        for _ in range(100):
            message = await get_message(db, message_id)
            if stalling.connections and message.status == "sending":
                break
            await asyncio.sleep(0.02)
        assert stalling.connections and message.status == "sending" and message.claimed_until is not None
        # Another webhook for the same order still answers at once, and queues nothing new.
        started = time.monotonic()
        status, _ = await deliver(client, events_named(razorpay_sandbox, "order.paid")[0])
        assert status == 200 and time.monotonic() - started < 1.0
        assert await db.outbox.count_documents({}) == 1
    finally:
        await stalling.stop()
    # The server hung up: the mailer keeps why and tries again later.
    for _ in range(100):
        message = await get_message(db, message_id)
        if message.status == "queued":
            break
        await asyncio.sleep(0.02)
    assert message.status == "queued" and message.last_error and message.attempts == 1


async def test_the_server_runs_the_mailer_in_the_background_and_stops_it_at_exit(make_client, razorpay_sandbox, inbox):
    client = await make_client(**smtp_settings(inbox, mail_poll_seconds=0.05))
    placed = await paid_by_browser_and_webhooks(client, razorpay_sandbox)
    for _ in range(150):
        if inbox.received:
            break
        await asyncio.sleep(0.02)
    assert len(inbox.received) == 1 and placed["order_id"] in inbox.bodies()[0]
    assert [t for t in asyncio.all_tasks() if t.get_name() == "galla-mailer"]
    await client.close()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "galla-mailer" and not t.done()]


def test_mailer_settings_come_from_the_smtp_settings():
    settings = Settings(
        _env_file=None,
        smtp_host="smtp.example.in",
        smtp_port=465,
        smtp_username="shop@example.in",
        smtp_password="app-password-1234",
        shop_name="Chai Corner",
    )
    mailer = mailer_settings(settings)
    assert (mailer.host, mailer.port, mailer.username, mailer.password) == (
        "smtp.example.in",
        465,
        "shop@example.in",
        "app-password-1234",
    )
    assert mailer.sender == "Chai Corner <shop@example.in>" and mailer.configured
    assert "app-password-1234" not in repr(mailer)
    blank = Settings(_env_file=None, smtp_host="", smtp_password="", smtp_from="")
    assert blank.smtp_host is None and blank.smtp_password is None and not mailer_settings(blank).configured
    assert Settings(_env_file=None).smtp_port == 587
    named = mailer_settings(Settings(_env_file=None, smtp_host="h", smtp_from="Receipts <r@example.in>"))
    assert named.sender == "Receipts <r@example.in>"
