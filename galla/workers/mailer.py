"""The mailer: sends queued emails (receipts, refunds) from the outbox in the background, never inside a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

import aiosmtplib
from aiohttp import web

from galla.settings import Settings
from galla.store.orders import now
from galla.store.outbox import OutboxMessage, claim_message, hold_queued, mark_attempt_failed, mark_sent
from galla.web.state import DATABASE, SETTINGS

log = logging.getLogger("galla.mailer")
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
# How long a stopping server lets a message that is being sent finish before cutting it off.
STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class MailerSettings:
    """Where and how the mailer sends; no host means messages are held, not sent."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "receipts@localhost"
    reply_to: str | None = None  # the shop's own address (SHOP_EMAIL): a buyer's reply reaches a person
    starttls: bool = True
    timeout: float = 30.0
    poll_seconds: float = 5.0
    max_attempts: int = 8
    retry_after: float = 60.0  # doubles with each failed attempt, up to retry_cap
    retry_cap: float = 3600.0
    batch: int = 50

    @property
    def configured(self) -> bool:
        """Whether an SMTP server is set."""
        return bool(self.host)

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts: longer than one send may take, so no one else takes it meanwhile."""
        return timedelta(seconds=self.timeout * 2 + 30)

    def retry_delay(self, attempts: int) -> timedelta | None:
        """When to try again after `attempts` failed attempts; None once they are used up."""
        if attempts >= self.max_attempts:
            return None
        return timedelta(seconds=min(self.retry_cap, self.retry_after * 2 ** (attempts - 1)))


@dataclass(slots=True)
class SendReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0

    @property
    def handled(self) -> int:
        """How many claimed messages this pass dealt with."""
        return self.sent + self.retried + self.failed


def mailer_settings(settings: Settings) -> MailerSettings:
    """The mailer's part of the settings."""
    address = settings.smtp_from or settings.smtp_username or "receipts@localhost"
    # A bare address is sent under the shop's name; "Name <address>" is kept as written.
    sender = address if parseaddr(address)[0] else formataddr((settings.shop_name, parseaddr(address)[1] or address))
    password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else None
    return MailerSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=password,
        sender=sender,
        reply_to=settings.shop_details.email,
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout,
        poll_seconds=settings.mail_poll_seconds,
    )


def compose(message: OutboxMessage, sender: str, reply_to: str | None = None) -> EmailMessage:
    """The MIME email for an outbox message: plain text, with the HTML as its alternative."""
    email = EmailMessage()
    email["From"] = sender
    if reply_to:
        email["Reply-To"] = reply_to
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = make_msgid(idstring=message.id.replace(":", "."), domain=domain)
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


async def deliver(message: OutboxMessage, mailer: MailerSettings) -> None:
    """Hand one message to the SMTP server; the whole conversation is bounded by the timeout."""
    implicit_tls = mailer.port == 465
    await asyncio.wait_for(
        aiosmtplib.send(
            compose(message, mailer.sender, mailer.reply_to),
            hostname=mailer.host,
            port=mailer.port,
            username=mailer.username,
            password=mailer.password,
            use_tls=implicit_tls,
            start_tls=mailer.starttls and not implicit_tls,
            timeout=mailer.timeout,
        ),
        mailer.timeout,
    )


async def send_one(db, message: OutboxMessage, mailer: MailerSettings, holder: str, report: SendReport) -> None:
    """Send one claimed message and record how it went."""
    try:
        await deliver(message, mailer)
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
        error = describe_error(exc)
        # A refused address stays refused, and a message that cannot be written as an email (ValueError: a header
        # with a line break) never will be; anything else (server down, busy, auth) may clear up.
        permanent = isinstance(exc, aiosmtplib.SMTPRecipientsRefused | ValueError)
        delay = None if permanent else mailer.retry_delay(message.attempts)
        await mark_attempt_failed(db, message.id, holder, error, now() + delay if delay else None)
        if delay is None:
            report.failed += 1
            log.warning(
                "gave up sending %s to %s after %d attempts: %s", message.id, message.to, message.attempts, error
            )
        else:
            report.retried += 1
            log.info("sending %s failed (attempt %d), retrying in %s: %s", message.id, message.attempts, delay, error)
        return
    await mark_sent(db, message.id, holder)
    report.sent += 1


def describe_error(exc: BaseException) -> str:
    """Why a send failed, as the admin reads it: the server's own reply when it gave one."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"
    if isinstance(exc, TimeoutError):
        return "the SMTP server did not answer in time"
    return f"{type(exc).__name__}: {exc}"


async def send_due(db, mailer: MailerSettings, *, holder: str = HOLDER) -> SendReport:
    """One pass: send every due message (held ones too, now that SMTP is set), or hold them when it is not."""
    report = SendReport()
    if not mailer.configured:
        report.held = await hold_queued(db)
        return report
    while report.handled < mailer.batch:
        message = await claim_message(db, holder, mailer.lease, include_held=True)
        if message is None:
            break
        await send_one(db, message, mailer, holder, report)
    return report


async def run_mailer(db, mailer: MailerSettings, stop: asyncio.Event) -> None:
    """Send due messages every poll interval until `stop` is set; a failed pass is logged, never fatal.

    Without SMTP one pass holds what was left queued (by an earlier run, or another process), and that is all:
    this process queues its own messages held (Shop.holds_mail), and a hold pass reads the whole outbox on the
    embedded store, one loop step of 15 ms at 40,000 messages that would come back every poll."""
    while not stop.is_set():
        report = SendReport()
        try:
            report = await send_due(db, mailer)
        except Exception:
            log.exception("mailer pass failed; trying again in %s s", mailer.poll_seconds)
        else:
            if not mailer.configured:
                if report.held:
                    log.info("mailer: no SMTP server configured; held %d queued messages", report.held)
                await stop.wait()
                return
        if report.handled or report.held:
            log.info(
                "mailer: sent %d, retrying %d, failed %d, held %d",
                report.sent,
                report.retried,
                report.failed,
                report.held,
            )
        if report.handled >= mailer.batch:
            continue  # more are waiting
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), mailer.poll_seconds)


async def mailer_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the outbox sender for the app's lifetime (unless MAIL_POLL_SECONDS is 0)."""
    mailer = mailer_settings(app[SETTINGS])
    if mailer.poll_seconds <= 0:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_mailer(app[DATABASE].db, mailer, stop), name="galla-mailer")
    yield
    stop.set()
    # A message being sent gets a moment to finish; cut off, its claim runs out and it is sent again later.
    try:
        await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
