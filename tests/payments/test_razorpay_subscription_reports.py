"""Razorpay's subscription and invoices read as the neutral reports: which invoice is a paid, failed or open charge,
and the charge a signed payment adds when the invoice list lags behind it."""

from __future__ import annotations

from datetime import UTC, datetime

from galla.payments.money import Money
from galla.payments.razorpay.client import RazorpayInvoice, RazorpayPayment, RazorpaySubscription
from galla.payments.razorpay.subscription_changes import paid_by
from galla.payments.razorpay.subscriptions import charge_reports, longest_total_count, subscription_report

JAN, FEB, MAR = 1767225600, 1769904000, 1772323200  # 2026-01-01, 02-01, 03-01


def invoice(invoice_id: str, status: str, start: int, end: int, **fields) -> RazorpayInvoice:
    return RazorpayInvoice(
        id=invoice_id, status=status, amount=49900, currency="INR", billing_start=start, billing_end=end, **fields
    )


def remote(status: str, auth_attempts: int = 0, **fields) -> RazorpaySubscription:
    return RazorpaySubscription(id="sub_A", status=status, auth_attempts=auth_attempts, paid_count=1, **fields)


def test_the_oldest_unpaid_invoice_of_a_halted_subscription_is_the_failed_charge():
    """§5/§8: the invoice retried until halted failed; later cycles' invoices are issued, not charged (open)."""
    invoices = [
        invoice("inv_3", "issued", MAR, MAR + 31 * 86400),
        invoice("inv_2", "issued", FEB, MAR),
        invoice("inv_1", "paid", JAN, FEB, amount_paid=49900, payment_id="pay_1", paid_at=JAN),
        invoice("inv_0", "draft", JAN, FEB),
    ]
    reports = {r.invoice_id: r for r in charge_reports(remote("halted", 4), invoices)}
    assert {i: (r.status, r.attempts) for i, r in reports.items()} == {
        "inv_3": ("open", 0),
        "inv_2": ("failed", 4),
        "inv_1": ("paid", 1),
    }
    assert reports["inv_1"].money == Money(49900, "INR") and reports["inv_1"].payment_id == "pay_1"
    assert reports["inv_1"].period_start == datetime(2026, 1, 1, tzinfo=UTC)
    # Active again (or never failing): nothing unpaid is a failure.
    assert {r.status for r in charge_reports(remote("active"), invoices)} == {"open", "paid"}


def test_a_signed_payment_pays_its_invoice_before_the_invoice_list_says_so():
    invoices = [invoice("inv_2", "issued", FEB, MAR)]
    charges = charge_reports(remote("active"), invoices)
    payment = RazorpayPayment(
        id="pay_2", amount=49900, currency="INR", status="captured", captured=True, invoice_id="inv_2", created_at=FEB
    )
    [added] = paid_by(payment, charges)
    assert (added.invoice_id, added.status, added.payment_id, added.period_end) == (
        "inv_2",
        "paid",
        "pay_2",
        charges[0].period_end,
    )
    # A failed payment, one on another subscription's invoice, or an invoice already paid adds nothing.
    assert paid_by(payment.model_copy(update={"captured": False, "status": "failed"}), charges) == []
    assert paid_by(payment.model_copy(update={"invoice_id": "inv_other"}), charges) == []
    paid = charge_reports(remote("active"), [invoice("inv_2", "paid", FEB, MAR, amount_paid=49900)])
    assert paid_by(payment, paid) == []


def test_the_cancel_at_the_cycles_end_is_ours_to_remember():
    """Razorpay's entity does not say it (razorpay/razorpay-node#330); once ended, it is past."""
    assert subscription_report(remote("active"), True).cancel_at_period_end is True
    assert subscription_report(remote("cancelled"), True).cancel_at_period_end is False


def test_a_subscription_with_no_end_asks_for_the_most_cycles_razorpay_takes():
    """Its last cycle ends by 4765046400 (2120-12-31) even with every month 31 days long."""
    start = datetime(2026, 12, 7, tzinfo=UTC)
    for interval, count, days in (("month", 1, 31), ("week", 2, 14), ("year", 1, 366)):
        cycles = longest_total_count(interval, count, start)
        assert start.timestamp() + cycles * days * 86400 <= 4765046400 < start.timestamp() + (cycles + 1) * days * 86400
