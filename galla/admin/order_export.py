"""The admin's order list as CSV: one row per order, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime

from galla.orders.calendar import shop_time, shop_today
from galla.orders.receipts import format_shop_time
from galla.payments.labels import gateway_label, method_label
from galla.payments.money import Money
from galla.store.orders import Order

HEADER = (
    "Order",
    "Placed (ISO 8601, IST)",
    "Placed",
    "Status",
    "Gateway",
    "Method",
    "Buyer",
    "Email",
    "Phone",
    "Currency",
    "Amount",
    "Paid",
    "Refunded",
    "Payment id",
    "Gateway order id",
    "Items",
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV Injection"): a buyer's name such
# as "=HYPERLINK(...)" must arrive as text. A leading ' makes Excel, LibreOffice and Sheets read it as text.
# Every cell is quoted too: a spreadsheet whose list separator is ";" (most of Europe) would otherwise split
# "Asha;=cmd|..." into a second cell that starts with "=". NUL is refused by OWASP ASVS 5.0 (1.2.10).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def export_filename(now: datetime | None = None) -> str:
    """The download's name, with today's date in IST."""
    return f"orders-{shop_today(now).isoformat()}.csv"


# A spreadsheet that splits on ";" sees a new cell after each one: it gets the same leading ' as a whole cell.
INNER_FORMULA = re.compile(r";(?=[=+\-@\t\r\0])")


def defuse(cell: str) -> str:
    """A cell a spreadsheet shows as the text it is, never runs as a formula, whichever separator it splits on."""
    cell = INNER_FORMULA.sub(";'", cell)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def major(amount: int | None, currency: str) -> str:
    """Minor units as a decimal amount ("1598.50"), "" when there is none."""
    return "" if amount is None else str(Money(amount, currency).to_decimal())


def order_row(order: Order) -> list[str]:
    """An order's cells, in HEADER's order."""
    payment = order.payment or {}
    return [
        order.id,
        shop_time(order.created_at).isoformat(timespec="seconds"),
        format_shop_time(order.created_at) or "",
        order.status.replace("_", " "),
        gateway_label(order.gateway),
        method_label(payment.get("method")),
        order.customer.get("name", ""),
        order.customer.get("email", ""),
        order.customer.get("phone", ""),
        order.currency,
        major(order.amount, order.currency),
        major(order.amount_paid, order.currency),
        major(order.refunded_amount, order.currency) if order.refunded_amount else "",
        payment.get("id") or "",
        order.razorpay_order_id or order.stripe_session_id or "",
        "; ".join(f"{item.quantity} × {item.name}" for item in order.items),
    ]


def write_rows(rows: Iterable[Iterable[str]]) -> bytes:
    """Rows as CSV text (RFC 4180: every cell quoted, CRLF line ends), every cell defused, in UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerows([defuse(str(cell)) for cell in row] for row in rows)
    return out.getvalue().encode()


def header_bytes() -> bytes:
    """The header row, with a byte-order mark so Excel reads the file as UTF-8 (₹, names in any script)."""
    return "\ufeff".encode() + write_rows([HEADER])
