"""The demo catalog a fresh shop starts with, kept as data in demo_products.json.

Prices are in each currency's minor units: paise, cents, pence; yen are whole.
"""

import json
from importlib.resources import files

DEMO_PRODUCTS: list[dict] = json.loads(files(__package__).joinpath("demo_products.json").read_text(encoding="utf-8"))
