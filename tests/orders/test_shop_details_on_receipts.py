"""The shop's own details (SHOP_LEGAL_NAME, SHOP_ADDRESS, SHOP_EMAIL, SHOP_PHONE) on the receipt page, in every
email's footer, and as the Reply-To of every email the mailer sends."""

from __future__ import annotations

import re

from support.app import sandbox_settings
from support.money import paid_and_known, refund
from support.webhooks import deliver_all, events_named

from galla.store.outbox import OutboxMessage
from galla.web.state import DATABASE, SETTINGS
from galla.workers.mailer import compose, mailer_settings

DETAILS = {
    "shop_legal_name": "Galla Handlooms Private Limited",
    "shop_address": "12 MG Road\nBengaluru 560001, Karnataka",
    "shop_email": "help@galla.example",
    "shop_phone": "+91 80 4000 1234",
}


def seller_block(page: str) -> str:
    """The seller's address block of a receipt page."""
    match = re.search(r'<address class="receipt-head__seller" data-testid="receipt-seller">(.*?)</address>', page, re.S)
    assert match, "no seller on the receipt"
    return match.group(1)


async def test_the_receipt_page_names_the_seller_with_its_address_and_contacts(make_client, razorpay_sandbox):
    client = await make_client(**DETAILS)
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    seller = seller_block(await (await client.get(f"/orders/{placed['order_id']}")).text())
    assert "<strong>Galla Handlooms Private Limited</strong>" in seller
    assert "<br>12 MG Road<br>Bengaluru 560001<br>Karnataka" in seller
    assert '<a href="mailto:help@galla.example">help@galla.example</a>' in seller
    assert '<a href="tel:+918040001234">+91 80 4000 1234</a>' in seller


async def test_with_no_details_set_the_receipt_names_the_shop_once(client, razorpay_sandbox):
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    page = await (await client.get(f"/orders/{placed['order_id']}")).text()
    assert 'data-testid="receipt-seller"' not in page and "Galla</p>" in page


async def test_a_legal_name_alone_is_shown_under_the_shops_name(make_client, razorpay_sandbox):
    client = await make_client(shop_legal_name="Galla Handlooms Private Limited")
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    seller = seller_block(await (await client.get(f"/orders/{placed['order_id']}")).text())
    assert seller.strip() == "<strong>Galla Handlooms Private Limited</strong>"


async def test_every_email_ends_with_the_shops_details(make_client, razorpay_sandbox):
    client = await make_client(**DETAILS)
    placed, _ = await paid_and_known(client, razorpay_sandbox)
    assert (await refund(client, placed["order_id"], 10000))[0] == 202
    await deliver_all(client, events_named(razorpay_sandbox, "refund.processed"))
    messages = await client.app[DATABASE].db.outbox.find().to_list(None)
    assert sorted(m["kind"] for m in messages) == ["receipt", "refund_made", "refund_processed"]
    for message in messages:
        footer = message["text"].rsplit("\n--\n", 1)[1]
        assert footer.split("\n")[:6] == [
            "Galla Handlooms Private Limited",
            "12 MG Road",
            "Bengaluru 560001",
            "Karnataka",
            "Email: help@galla.example",
            "Phone: +91 80 4000 1234",
        ]
        html = message["html"]
        assert "Galla Handlooms Private Limited" in html and "12 MG Road, Bengaluru 560001, Karnataka" in html
        assert 'href="mailto:help@galla.example"' in html and 'href="tel:+918040001234"' in html


def test_replies_go_to_the_shops_email(razorpay_sandbox):
    message = OutboxMessage.model_validate(
        {
            "_id": "receipt:ord_1",
            "kind": "receipt",
            "to": "asha@example.in",
            "subject": "Receipt",
            "text": "Hi",
            "status": "sending",
            "created_at": "2026-12-07T00:00:00Z",
        }
    )
    mailer = mailer_settings(sandbox_settings(razorpay_sandbox, **DETAILS))
    assert compose(message, mailer.sender, mailer.reply_to)["Reply-To"] == "help@galla.example"
    unset = mailer_settings(sandbox_settings(razorpay_sandbox))
    assert compose(message, unset.sender, unset.reply_to)["Reply-To"] is None


async def test_the_app_hands_the_shops_email_to_the_mailer(make_client):
    client = await make_client(shop_email="help@galla.example")
    assert mailer_settings(client.app[SETTINGS]).reply_to == "help@galla.example"
