"""The rules of an Indian mandate as they bear on one subscription: its maximum debit, which methods can carry it,
when each debit needs the buyer's extra authentication, and who sends the notice before each debit.

From SUBSCRIPTIONS.md §7, which cites Razorpay's docs (payments/subscriptions/supported-payment-methods and faqs,
payments/recurring-payments/upi/faqs: "The maximum transaction amount allowed is ₹15,000 when using UPI ... Any auto
debit above ₹15,000 undergoes an additional authorisation from the customer", announcements/rbi-card-mandate-
guidelines) and the RBI e-mandate framework: AFA at registration and for every later debit above ₹15,000, and a
pre-debit notice at least 24 hours before each debit sent by the issuer (cards) or shown in the UPI app, never by the
merchant. Galla sends no pre-debit notice; its own mails are receipts after a charge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from galla.payments.money import format_money
from galla.payments.routing import HOME_CURRENCY

# Debits up to this need no action from the buyer; above it, cards need AFA on each debit and UPI Autopay is not
# offered for the plan (Razorpay shows UPI only when the plan's amount is at most this, SUBSCRIPTIONS.md §7).
FRICTIONLESS_LIMIT = 1_500_000  # ₹15,000 in paise
# The largest e-mandate (eNACH) a bank registers (SUBSCRIPTIONS.md §7 table); cards have no such cap.
EMANDATE_LIMIT = 1_000_000_000  # ₹1,00,00,000
NOTICE_HOURS = 24
NOTICE_SENDERS = {
    "upi": "your UPI app",
    "card": "your card's issuing bank",
    "emandate": "your bank",
}


class Mandated(Protocol):
    """What the rules read of a subscription: its gateway, the amount of each debit, and the method it pays with."""

    gateway: str
    amount: int
    currency: str
    payment_method: str | None


@dataclass(frozen=True, slots=True)
class MandateFacts:
    """The mandate rules for one subscription, in figures and in the words the pages and the API show."""

    max_amount: int
    max_amount_display: str
    methods: tuple[str, ...]
    upi_autopay: bool
    afa_each_debit: bool
    pre_debit_notice_hours: int
    pre_debit_notice_by: str
    lines: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The facts as the API's `mandate` object."""
        return {**asdict(self), "methods": list(self.methods), "lines": list(self.lines)}


def mandate_facts(sub: Mandated) -> MandateFacts | None:
    """The Indian mandate rules for a subscription paid by mandate through Razorpay in rupees; None otherwise."""
    if sub.gateway != "razorpay" or sub.currency != HOME_CURRENCY:
        return None
    return rupee_mandate(sub.amount, sub.payment_method)


def rupee_mandate(amount: int, payment_method: str | None = None) -> MandateFacts:
    """The mandate a debit of `amount` paise calls for, for the method chosen (any the plan allows when None)."""
    above = amount > FRICTIONLESS_LIMIT
    methods = tuple(
        method
        for method, limit in (("upi", FRICTIONLESS_LIMIT), ("card", None), ("emandate", EMANDATE_LIMIT))
        if limit is None or amount <= limit
    )
    each = format_money(amount, HOME_CURRENCY)
    sender = NOTICE_SENDERS.get(payment_method or "", "your bank or UPI app")
    lines = [f"You authorise debits of up to {each} each, one per billing period, until you cancel."]
    if "upi" in methods:
        lines.append(
            f"UPI Autopay can carry it: each debit up to {format_money(FRICTIONLESS_LIMIT, 'INR')} goes through "
            "without your PIN."
        )
    else:
        lines.append(
            f"UPI Autopay is not offered: it debits at most {format_money(FRICTIONLESS_LIMIT, 'INR')} "
            "without your PIN. Pay by card or netbanking e-mandate."
        )
    if above:
        lines.append(
            f"Each debit is above {format_money(FRICTIONLESS_LIMIT, 'INR')}, so a card mandate asks you to "
            "approve every debit (additional authentication, by OTP or your bank's app)."
        )
    lines.append(
        f"At least {NOTICE_HOURS} hours before each debit, {sender} (not this shop) sends you a pre-debit "
        "notice with the amount and date, and a way to opt out."
    )
    return MandateFacts(
        max_amount=amount,
        max_amount_display=each,
        methods=methods,
        upi_autopay="upi" in methods and payment_method in (None, "upi"),
        afa_each_debit=above and payment_method in (None, "card"),
        pre_debit_notice_hours=NOTICE_HOURS,
        pre_debit_notice_by=sender,
        lines=tuple(lines),
    )
