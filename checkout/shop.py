"""What every flow needs: the database, the gateway clients and the shop's own settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.razorpay import CaptureMode, RazorpayClient


@dataclass(frozen=True, slots=True)
class Shop:
    """The dependencies of the checkout flows, built once by the app."""

    db: Any
    razorpay: RazorpayClient
    name: str = "Galla"
    capture: CaptureMode = "auto"
