"""GET /admin/orders.csv: the list's search and filters as a CSV file, written row batch by row batch."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pymongo.errors
from support.app import ADMIN
from support.stored_orders import stored_order

from galla.admin.order_export import HEADER, defuse, write_rows
from galla.orders.calendar import shop_today
from galla.store.orders import insert_order
from galla.web.state import DATABASE

T0 = datetime(2026, 12, 6, 17, 44, 5, tzinfo=UTC)  # 11:14 pm IST


def order_doc(order_id: str, minutes: int = 0, **fields) -> dict:
    """A paid order of two shawls by UPI, with its Razorpay ids, placed `minutes` after T0."""
    suffix = order_id.removeprefix("ord_").rjust(14, "0")
    shawls = [{"product_id": "shawl", "name": "Pashmina Shawl", "quantity": 2, "unit_amount": 79925, "amount": 159850}]
    paid = {"razorpay_order_id": f"order_{suffix}", "payment": {"id": f"pay_{suffix}", "method": "upi"}}
    return stored_order(
        order_id, T0 + timedelta(minutes=minutes), **{"items": shawls, "amount_paid": 159850, **paid, **fields}
    )


def read_csv(body: bytes) -> list[dict[str, str]]:
    """The rows of a CSV download, by its header (which must be HEADER)."""
    text = body.decode("utf-8-sig")  # the byte-order mark tells Excel the file is UTF-8
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


async def download(client, **params) -> tuple[object, bytes]:
    resp = await client.get("/admin/orders.csv", params=params, headers=ADMIN)
    return resp, await resp.read()


async def test_the_csv_has_a_header_and_a_row_per_order_with_money_and_ist_dates(client):
    db = client.app[DATABASE].db
    await insert_order(db, order_doc("ord_first", 0, refunded_amount=50000, status="partially_refunded"))
    await insert_order(
        db,
        order_doc(
            "ord_second",
            1,
            gateway="stripe",
            currency="USD",
            amount=699,
            amount_paid=699,
            razorpay_order_id=None,
            stripe_session_id="cs_test_a1B2",
            payment={"id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "method": "card"},
        ),
    )
    resp, body = await download(client)
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(body)
    assert [row["Order"] for row in rows] == ["ord_second", "ord_first"]  # newest first, as the list
    first = rows[1]
    assert first["Placed (ISO 8601, IST)"] == "2026-12-06T23:14:05+05:30"
    assert first["Placed"] == "6 Dec 2026, 11:14 pm IST"
    assert (first["Currency"], first["Amount"], first["Paid"], first["Refunded"]) == (
        "INR",
        "1598.50",
        "1598.50",
        "500.00",
    )
    assert (first["Status"], first["Gateway"], first["Method"]) == ("partially refunded", "Razorpay", "UPI")
    assert first["Payment id"] == "pay_000000000first" and first["Items"] == "2 × Pashmina Shawl"
    second = rows[0]
    assert (second["Currency"], second["Amount"], second["Gateway order id"]) == ("USD", "6.99", "cs_test_a1B2")


async def test_the_csv_is_named_for_todays_date_and_kept_out_of_caches(client):
    resp, _ = await download(client)
    assert resp.headers["Content-Disposition"] == f'attachment; filename="orders-{shop_today().isoformat()}.csv"'
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_cells_a_spreadsheet_would_run_as_formulas_arrive_as_text(client):
    db = client.app[DATABASE].db
    names = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)", 'Rao, "Asha"\nline two']
    for n, name in enumerate(names):
        customer = {"name": name, "email": f"b{n}@example.in", "phone": "+919876543210"}
        await insert_order(db, order_doc(f"ord_x{n}", n, customer=customer))
    _, body = await download(client)
    rows = read_csv(body)
    assert [row["Buyer"] for row in rows] == [
        'Rao, "Asha"\nline two',  # quoted by the CSV rules, not prefixed: it starts with a letter
        "'@SUM(A1)",
        "'-2+3",
        "'+1+2",
        '\'=HYPERLINK("http://evil.example","click")',
    ]
    assert {row["Phone"] for row in rows} == {"'+919876543210"}
    assert defuse("\tcmd") == "'\tcmd" and defuse("\0x") == "'\0x" and defuse("Asha") == "Asha"


def test_a_name_cannot_start_a_formula_cell_in_a_semicolon_spreadsheet():
    """Excel with ";" as its list separator (most European locales) splits an unquoted cell at ";": every cell is
    quoted, so "Asha;=cmd|..." stays one cell of text."""
    out = write_rows([["ord_1", "Asha;=cmd|' /C calc'!A0"]]).decode()
    cells = next(csv.reader(io.StringIO(out), delimiter=";"))
    assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for cell in cells), cells


async def test_a_failure_mid_export_drops_the_connection_instead_of_writing_a_page_into_the_file(client, monkeypatch):
    """After the status line has gone, an error page would be written into the chunked body, and a clean end would
    pass a cut-off file for a whole one: the connection is dropped, so the download fails visibly."""
    import galla.admin.order_search as order_search

    async def batches(shop, filters):
        yield []
        raise pymongo.errors.AutoReconnect("primary stepped down")

    monkeypatch.setattr(order_search, "read_batches", batches)
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    auth = ADMIN["Authorization"].encode()
    writer.write(b"GET /admin/orders.csv HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + b"\r\n\r\n")
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert raw.count(b"HTTP/1.1 ") == 1 and b"X-Request-Id: " in raw, raw[:2000]
    assert not raw.endswith(b"0\r\n\r\n"), "the cut-off file ended as if whole"


async def test_the_csv_holds_what_the_search_and_filters_find(client):
    db = client.app[DATABASE].db
    await insert_order(db, order_doc("ord_asha", 0))
    await insert_order(db, order_doc("ord_ravi", 1, customer={"name": "Ravi", "email": "ravi@example.in", "phone": ""}))
    await insert_order(db, order_doc("ord_held", 2, status="needs_review"))
    _, body = await download(client, q="asha@example.in")
    assert [row["Order"] for row in read_csv(body)] == ["ord_held", "ord_asha"]
    _, body = await download(client, q="asha@example.in", status="paid")
    assert [row["Order"] for row in read_csv(body)] == ["ord_asha"]
    resp, body = await download(client, status="lost")
    assert resp.status == 422 and b'data-field="status"' in body


async def test_a_large_export_is_streamed_in_many_chunks(client):
    db = client.app[DATABASE].db
    await db.orders.insert_many([order_doc(f"ord_{n:05d}", n) for n in range(5000)])
    resp = await client.get("/admin/orders.csv", headers=ADMIN)
    # A StreamResponse written batch by batch: chunked, with no length known beforehand.
    assert resp.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in resp.headers
    chunks, body = 0, bytearray()
    async for data, end_of_chunk in resp.content.iter_chunks():
        body += data
        chunks += end_of_chunk
    assert chunks >= 10, chunks  # the header, then one per batch of 500 orders
    rows = read_csv(bytes(body))
    assert len(rows) == 5000 and rows[0]["Order"] == "ord_04999" and rows[-1]["Order"] == "ord_00000"
    assert all(re.fullmatch(r"2026-12-\d\dT\d\d:\d\d:05\+05:30", row["Placed (ISO 8601, IST)"]) for row in rows)
