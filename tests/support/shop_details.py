"""A shop with all its own details set (SHOP_* settings), and how the Stripe page's footer reads them."""

from __future__ import annotations

LOOMS_SETTINGS = {
    "shop_name": "Kashmir Looms",
    "shop_legal_name": "Kashmir Looms Private Limited",
    "shop_address": "12 Residency Road, Srinagar 190001, India",
    "shop_email": "help@looms.example",
    "shop_phone": "+91 98765 43210",
}
# The footer's text: the legal name, the address's lines (the first, then the rest), the email and the phone.
LOOMS_FOOTER = (
    "Kashmir Looms Private Limited 12 Residency Road Srinagar 190001, India help@looms.example +91 98765 43210"
)
