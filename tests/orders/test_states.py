"""The domain's enums are the strings Galla stores and shows, and a webhook receipt says its outcome in a word."""

import json

import pytest

from galla.orders.states import EventOutcome, OrderStatus, RefundStatus
from galla.store.order_refunds import OPEN_REFUND_STATUSES
from galla.store.orders import STATUSES
from galla.webhooks.receive import DEFERRED, STILL_APPLYING, WebhookReceipt, describe_outcome


def test_the_order_statuses_are_the_ones_the_store_accepts():
    assert [status.value for status in OrderStatus] == list(STATUSES)


def test_the_open_refund_statuses_are_refund_statuses():
    assert set(OPEN_REFUND_STATUSES) == {RefundStatus.REQUESTED, RefundStatus.PENDING}


def test_an_enum_member_is_its_stored_string_in_json():
    assert json.dumps({"status": OrderStatus.NEEDS_REVIEW}) == '{"status": "needs_review"}'


def receipt(outcome, duplicate=False):
    return WebhookReceipt("razorpay", "evt_1", "payment.captured", duplicate, outcome, None)


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        ("pending → paid", EventOutcome.APPLIED),
        ("no change (paid)", EventOutcome.APPLIED),
        (describe_outcome(None, None), EventOutcome.IGNORED),
        (describe_outcome(None, None, "Razorpay refused the capture"), EventOutcome.NOT_APPLIED),
        (f"{DEFERRED}: Razorpay did not answer", EventOutcome.DEFERRED),
        (STILL_APPLYING, EventOutcome.DEFERRED),
    ],
)
def test_a_receipt_says_what_its_event_did_in_a_word(outcome, kind):
    assert receipt(outcome).kind == kind


def test_a_repeated_delivery_is_a_duplicate_whatever_it_did_first():
    assert receipt("pending → paid", duplicate=True).kind == EventOutcome.DUPLICATE
