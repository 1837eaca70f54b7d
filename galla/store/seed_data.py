"""The demo catalog a fresh shop starts with.

Prices are in each currency's minor units: paise, cents, pence; yen are whole.
"""

DEMO_PRODUCTS = [
    {
        "_id": "masala-chai",
        "name": "Assam Masala Chai, 250 g",
        "description": "Strong CTC leaf with cardamom, ginger and clove, packed in Dibrugarh.",
        "image": "/static/img/products/masala-chai.svg",
        "prices": {"INR": 34900, "USD": 499, "EUR": 459, "GBP": 399, "JPY": 750},
    },
    {
        "_id": "filter-coffee",
        "name": "Coorg Filter Coffee, 500 g",
        "description": "Peaberry and chicory, 80:20, ground for a South Indian filter.",
        "image": "/static/img/products/filter-coffee.svg",
        "prices": {"INR": 59900, "USD": 799, "EUR": 749, "GBP": 649, "JPY": 1200},
    },
    {
        "_id": "brass-diya",
        "name": "Hand-cast Brass Diya",
        "description": "A five-wick lamp cast by hand in Moradabad.",
        "image": "/static/img/products/brass-diya.svg",
        "prices": {"INR": 129900, "USD": 1699, "EUR": 1549, "GBP": 1349, "JPY": 2500},
    },
    {
        "_id": "block-print-dupatta",
        "name": "Jaipur Block-print Dupatta",
        "description": "Soft mulmul cotton, hand block-printed with natural dyes in Sanganer.",
        "image": "/static/img/products/block-print-dupatta.svg",
        "prices": {"INR": 189900, "USD": 2499, "EUR": 2299, "GBP": 1999, "JPY": 3700},
    },
    {
        "_id": "kolhapuri-chappal",
        "name": "Kolhapuri Chappals",
        "description": "Vegetable-tanned leather, stitched by hand in Kolhapur.",
        "image": "/static/img/products/kolhapuri-chappal.svg",
        "prices": {"INR": 249900, "USD": 3299, "EUR": 2999, "GBP": 2599, "JPY": 4900},
    },
    {
        "_id": "madhubani-print",
        "name": "Madhubani Art Print",
        "description": "A fish-and-lotus painting from Mithila, printed on archival paper, A3.",
        "image": "/static/img/products/madhubani-print.svg",
        "prices": {"INR": 449900, "USD": 5999, "EUR": 5499, "GBP": 4799, "JPY": 8900},
    },
    {
        "_id": "pashmina-shawl",
        "name": "Kashmiri Pashmina Shawl",
        "description": "Hand-spun, hand-woven changthangi wool from Srinagar.",
        "image": "/static/img/products/pashmina-shawl.svg",
        "prices": {"INR": 1249900, "USD": 15999, "EUR": 14499, "GBP": 12599, "JPY": 23500},
    },
    {
        "_id": "banarasi-saree",
        "name": "Banarasi Silk Saree",
        "description": "Kadhua brocade with real zari, woven over six weeks in Varanasi.",
        "image": "/static/img/products/banarasi-saree.svg",
        "prices": {"INR": 12345600, "USD": 149900, "EUR": 137900, "GBP": 119900, "JPY": 223000},
    },
]
