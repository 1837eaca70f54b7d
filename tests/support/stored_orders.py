"""Orders written straight to the store, as checkout leaves them, for the admin list's search and export tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def stored_order(order_id: str, created_at: datetime, **fields: Any) -> dict[str, Any]:
    """A paid rupee order through Razorpay (email lowercased, phone in E.164); `fields` replace or add, None drops."""
    doc: dict[str, Any] = {
        "_id": order_id,
        "status": "paid",
        "amount": 159850,
        "currency": "INR",
        "gateway": "razorpay",
        "country": "IN",
        "items": [],
        "customer": {"name": "Asha Rao", "email": "asha@example.in", "phone": "+919876543210"},
        "created_at": created_at,
        "timeline": [],
    }
    # A None drops the field: a real MongoDB's sparse unique index (razorpay_order_id) still indexes a null.
    return {name: value for name, value in {**doc, **fields}.items() if value is not None}
