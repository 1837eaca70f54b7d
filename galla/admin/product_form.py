"""Adding and editing products from the admin: the form read into a checked model, prices parsed exactly."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Annotated, Any

from babel import Locale
from babel.numbers import get_territory_currencies
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from galla.admin.image_upload import FIELD as IMAGE_FILE_FIELD
from galla.admin.image_upload import ImageRefused, store_upload
from galla.orders.context import Shop
from galla.orders.errors import Conflict, InvalidInput, NotFound
from galla.payments.labels import gateway_label
from galla.payments.money import AmountNotChargeable, Money, check_chargeable, minimum_charge, parse_major
from galla.payments.routing import HOME_CURRENCY, WORLD_CURRENCY
from galla.shop.images import IMAGES_PATH
from galla.store.images import is_image_stored
from galla.store.products import Product, find_product, insert_product, list_all_products, update_product

# Stripe takes at most eight digits of minor units (99,999,999: $999,999.99, ₹9,99,999.99); more is a typo.
MAX_MINOR_UNITS = 99_999_999
# The currencies with a field of their own; any others go in the extra rows (currency_N, price_N).
MAIN_CURRENCIES = (HOME_CURRENCY, WORLD_CURRENCY)
MAX_EXTRA_ROWS = 20
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A file under /static/, or an uploaded image (its id is a sha256).
_IMAGE = re.compile(r"^(?:/static/[A-Za-z0-9._~/-]+|/images/[0-9a-f]{64})$")
ID_MAX = 64  # what a cart line's product_id may be
# Ids that would collide with the admin's own pages (/admin/products/new).
RESERVED_IDS = frozenset({"new"})
BLANK_ROWS = 2

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Image = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_IMAGE)]


class ProductForm(BaseModel):
    """What the admin's product form says, checked: prices in minor units per currency, INR among them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    description: Description = ""
    image: Image
    prices: dict[str, int]
    active: bool = True

    @field_validator("image")
    @classmethod
    def _no_dot_segments(cls, value: str) -> str:
        if any(part in (".", "..") for part in value.split("/")):
            raise ValueError("give a path on this shop, like /static/img/products/masala-chai.svg")
        return value

    def to_fields(self) -> dict:
        """The stored fields this form sets."""
        return self.model_dump()


class ProductFormInvalid(InvalidInput):
    """The form has bad fields: each one's message, keyed by the form field's name."""

    def __init__(self, errors: dict[str, str], *, status: int | None = None) -> None:
        # In the order the form asks for them, so the first one named is the first one seen.
        self.errors = dict(sorted(errors.items(), key=lambda item: form_position(item[0])))
        field, message = next(iter(self.errors.items()))
        super().__init__(f"{field}: {message}", field=field)
        self.status = status or self.status
        # The form as checked: with an uploaded image's path in place, so showing it again keeps the upload.
        self.form: Mapping[str, str] | None = None


def form_position(field: str) -> tuple[int, int, str]:
    """Where a field sits on the form: the fixed fields, then INR and USD, then the extra rows."""
    fixed = [
        "version",
        "id",
        "name",
        "description",
        "image",
        IMAGE_FILE_FIELD,
        *(f"price_{c}" for c in MAIN_CURRENCIES),
    ]
    if field in fixed:
        return (fixed.index(field), 0, "")
    row = field.rpartition("_")[2]
    return (len(fixed), int(row) if row.isdigit() else MAX_EXTRA_ROWS, field)


class ProductChanged(Conflict, code="product_changed"):
    """Someone saved the product after this form was loaded; current is what is stored now."""

    def __init__(self, current: Product) -> None:
        super().__init__(
            f"{current.name} was changed by someone else after you opened it; nothing was saved", field="version"
        )
        self.current = current


@lru_cache(maxsize=1)
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today, per CLDR (not DEM, not XXX)."""
    codes: set[str] = set()
    for territory in Locale("en").territories:
        try:
            codes.update(get_territory_currencies(str(territory), tender=True))
        except Exception:  # babel has no currency data for a few placeholder territories
            continue
    return frozenset(codes)


def parse_price(text: str, currency: str) -> int:
    """Read a price typed in major units ("499", "499.50", "1,299") as exact minor units; ValueError says why."""
    amount = parse_major(text, currency)
    if amount == 0:
        raise ValueError("a price must be more than zero")
    if amount > MAX_MINOR_UNITS:
        raise ValueError(
            f"{Money(amount, currency).format()} is more than a checkout can charge "
            f"(at most {Money(MAX_MINOR_UNITS, currency).format()})"
        )
    check_price_chargeable(Money(amount, currency))
    return amount


def check_price_chargeable(price: Money) -> None:
    """Refuse a price no gateway that charges its currency could take: INR goes through both, others Stripe."""
    gateways = ("razorpay", "stripe") if price.currency == HOME_CURRENCY else ("stripe",)
    for gateway in gateways:
        minimum = minimum_charge(gateway, price.currency)
        if price.amount < minimum.amount:
            raise ValueError(
                f"{price.format()} is below the smallest payment {gateway_label(gateway)} accepts, {minimum.format()}"
            )
        try:
            check_chargeable(gateway, price)
        except AmountNotChargeable as exc:
            raise ValueError(str(exc)) from None


def slugify(name: str) -> str:
    """The product id a name gives: lowercase ASCII words joined by hyphens ("Masala Chai, 250 g" → "masala-chai-250-g")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))
    return slug[:ID_MAX].rstrip("-")


def read_prices(form: Mapping[str, str], errors: dict[str, str]) -> dict[str, int]:
    """The prices the form gives, by currency; bad fields are added to errors under their names."""
    prices: dict[str, int] = {}
    for currency in MAIN_CURRENCIES:
        field = f"price_{currency}"
        text = form.get(field, "").strip()
        if not text:
            if currency == HOME_CURRENCY:
                errors[field] = f"a price in {currency} is required: buyers in India pay in it"
            continue
        try:
            prices[currency] = parse_price(text, currency)
        except ValueError as exc:
            errors[field] = str(exc)
    for row in range(MAX_EXTRA_ROWS):
        code = form.get(f"currency_{row}", "").strip().upper()
        text = form.get(f"price_{row}", "").strip()
        if not code and not text:
            continue
        if not code:
            errors[f"currency_{row}"] = "say which currency this price is in, like EUR"
        elif code not in known_currencies():
            errors[f"currency_{row}"] = f"{code} is not a currency code in use; use one like EUR, GBP or JPY"
        elif code in prices or code in MAIN_CURRENCIES:
            errors[f"currency_{row}"] = f"{code} has a price already; give each currency one price"
        elif not text:
            errors[f"price_{row}"] = f"type the price in {code}, or clear the currency to remove it"
        else:
            try:
                prices[code] = parse_price(text, code)
            except ValueError as exc:
                errors[f"price_{row}"] = str(exc)
    return prices


def read_product_form(form: Mapping[str, str]) -> ProductForm:
    """Check the posted product form; raise ProductFormInvalid naming every bad field."""
    errors: dict[str, str] = {}
    prices = read_prices(form, errors)
    data = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "image": form.get("image", ""),
        "prices": prices,
        "active": form.get("active") == "on",
    }
    try:
        product = ProductForm.model_validate(data)
    except ValidationError as exc:
        product = None
        for error in exc.errors():
            field = str(error["loc"][0])
            errors.setdefault(field, describe_error(field, error))
    if errors or product is None:  # no product without an error to say why
        raise ProductFormInvalid(errors)
    return product


REQUIRED = {
    "name": "give the product a name",
    "image": "give the path of its image, like /static/img/products/masala-chai.svg, or upload one",
}


def describe_error(field: str, error: Mapping[str, Any]) -> str:
    """A person's wording of one pydantic error on a text field."""
    kind = error["type"]
    if kind in ("missing", "string_too_short"):
        return REQUIRED.get(field, "is required")
    if kind == "string_too_long":
        return f"may be at most {error['ctx']['max_length']} characters"
    if field == "image" and kind == "string_pattern_mismatch":
        return "give a path on this shop, like /static/img/products/masala-chai.svg"
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def read_new_id(form: Mapping[str, str], name: str) -> str:
    """The id a new product gets: the one typed, else a slug of its name; ProductFormInvalid if unusable."""
    typed = form.get("id", "").strip().lower()
    product_id = typed or slugify(name)
    if not product_id:
        raise ProductFormInvalid({"id": "the name has no letters or digits to make an id from; type an id"})
    if len(product_id) > ID_MAX or not _SLUG.fullmatch(product_id):
        raise ProductFormInvalid(
            {"id": f"use up to {ID_MAX} lowercase letters, digits and single hyphens, like masala-chai"}
        )
    if product_id in RESERVED_IDS:
        raise ProductFormInvalid({"id": f"{product_id} is reserved for the admin's pages; type another id"})
    return product_id


async def check_image(shop: Shop, path: str, static_exists: Callable[[str], bool] | None) -> None:
    """Raise ProductFormInvalid naming image when its path names no image the shop serves."""
    if path.startswith(IMAGES_PATH):
        if not await is_image_stored(shop.db, path.removeprefix(IMAGES_PATH)):
            raise ProductFormInvalid({"image": f"no image was uploaded as {path}; upload the file again"})
    elif static_exists is not None and not static_exists(path):
        raise ProductFormInvalid({"image": f"there is no file at {path}; put the image under static/ first"})


async def read_checked_form(
    shop: Shop, form: Mapping[str, str], static_exists: Callable[[str], bool] | None
) -> ProductForm:
    """The product form checked field by field, then its image found where its path says."""
    product = read_product_form(form)
    await check_image(shop, product.image, static_exists)
    return product


async def with_upload(shop: Shop, form: Mapping[str, str], upload: bytes | None) -> Mapping[str, str]:
    """The form with the uploaded image (checked and stored) as its image path; the form itself without one."""
    if upload is None:
        return form
    try:
        path = await store_upload(shop, upload)
    except ImageRefused as exc:
        raise ProductFormInvalid({IMAGE_FILE_FIELD: exc.message}, status=exc.status) from None
    return {**form, "image": path}


async def add_product(
    shop: Shop,
    form: Mapping[str, str],
    *,
    upload: bytes | None = None,
    image_exists: Callable[[str], bool] | None = None,
) -> Product:
    """Add a product from the admin's form (and its uploaded image); its id is fixed from now on."""
    form = await with_upload(shop, form, upload)
    try:
        return await insert_from_form(shop, form, image_exists)
    except ProductFormInvalid as exc:
        exc.form = form
        raise


async def insert_from_form(shop: Shop, form: Mapping[str, str], image_exists: Callable[[str], bool] | None) -> Product:
    """Add the product the form describes, under the id typed or made from its name."""
    errors: dict[str, str] = {}
    try:
        product = await read_checked_form(shop, form, image_exists)
    except ProductFormInvalid as exc:
        errors, product = exc.errors, None
    name, typed_id = form.get("name", "").strip(), form.get("id", "").strip()
    product_id = ""
    if name or typed_id:  # with neither, "name: is required" already says what is missing
        try:
            product_id = read_new_id(form, name)
        except ProductFormInvalid as exc:
            errors.update(exc.errors)
    if errors or product is None:
        raise ProductFormInvalid(errors)
    added = await insert_product(shop.db, product_id, product.to_fields())
    if added is None:
        source = "" if typed_id else " (made from the name)"
        raise ProductFormInvalid(
            {"id": f"a product with the id {product_id}{source} already exists; type a different id"}
        )
    return added


async def edit_product(
    shop: Shop,
    product_id: str,
    form: Mapping[str, str],
    *,
    upload: bytes | None = None,
    image_exists: Callable[[str], bool] | None = None,
) -> Product:
    """Save the admin's edit (and its uploaded image) if nobody else saved the product since the form was loaded."""
    await load_product(shop, product_id)
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise InvalidInput("the form has no version; reload the page and try again", field="version") from None
    form = await with_upload(shop, form, upload)
    try:
        product = await read_checked_form(shop, form, image_exists)
    except ProductFormInvalid as exc:
        exc.form = form
        raise
    saved = await update_product(shop.db, product_id, version, product.to_fields())
    if saved is None:
        raise ProductChanged(await load_product(shop, product_id))  # changed since loaded, or gone (404)
    return saved


async def load_product(shop: Shop, product_id: str) -> Product:
    """The product with this id, on sale or not; NotFound otherwise."""
    product = await find_product(shop.db, product_id)
    if product is None:
        raise NotFound(f"there is no product {product_id}", field="product_id")
    return product


async def list_products_for_admin(shop: Shop) -> list[Product]:
    """Every product, on sale or not, in catalog order."""
    return await list_all_products(shop.db)


def form_values(product: Product | None) -> dict:
    """The form's fields as text, filled from a stored product (or blank for a new one)."""
    if product is None:
        return {
            "id": "",
            "name": "",
            "description": "",
            "image": "",
            "active": True,
            "version": "",
            "prices": {c: "" for c in MAIN_CURRENCIES},
            "extra": [],
        }
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "image": product.image,
        "active": product.active,
        "version": str(product.version),
        **price_values(product.prices),
    }


def price_values(prices: Mapping[str, int]) -> dict:
    """Stored prices as the form's fields: {"prices": INR and USD as text, "extra": the other rows}."""
    shown = {code: str(Money(amount, code).to_decimal()) for code, amount in prices.items()}
    return {
        "prices": {c: shown.get(c, "") for c in MAIN_CURRENCIES},
        "extra": [
            {"row": row, "currency": code, "price": text}
            for row, (code, text) in enumerate((c, t) for c, t in shown.items() if c not in MAIN_CURRENCIES)
        ],
    }


def typed_values(form: Mapping[str, str]) -> dict:
    """The form's fields as the admin typed them, to show again beside what was wrong."""
    return {
        "id": form.get("id", ""),
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "image": form.get("image", ""),
        "active": form.get("active") == "on",
        "version": form.get("version", ""),
        **typed_price_values(form),
    }


def typed_price_values(form: Mapping[str, str]) -> dict:
    """The prices as the admin typed them: {"prices": INR and USD, "extra": the other rows that hold something}."""
    extra = [
        {"row": row, "currency": form.get(f"currency_{row}", "").strip(), "price": form.get(f"price_{row}", "").strip()}
        for row in range(MAX_EXTRA_ROWS)
    ]
    return {
        "prices": {c: form.get(f"price_{c}", "") for c in MAIN_CURRENCIES},
        "extra": [row for row in extra if row["currency"] or row["price"]],
    }


def with_blank_rows(values: dict) -> dict:
    """The form's values plus a few empty currency rows after the used ones, for adding a price."""
    start = max((row["row"] for row in values["extra"]), default=-1) + 1
    return {**values, "blank_rows": list(range(start, min(start + BLANK_ROWS, MAX_EXTRA_ROWS)))}


FIELD_LABELS = {"name": "Name", "description": "Description", "image": "Image", "active": "On sale"}


def describe_differences(typed: dict, saved: dict) -> list[tuple[str, str, str]]:
    """What the admin typed that differs from what is saved now: (label, typed, saved), for a conflict page."""
    rows = [
        (label, str(typed[key]), str(saved[key]))
        for key, label in FIELD_LABELS.items()
        if str(typed[key]).strip() != str(saved[key]).strip()
    ]
    typed_prices = {**typed["prices"], **{r["currency"].upper(): r["price"] for r in typed["extra"]}}
    saved_prices = {**saved["prices"], **{r["currency"]: r["price"] for r in saved["extra"]}}
    for code in sorted(set(typed_prices) | set(saved_prices)):
        mine, theirs = typed_prices.get(code, ""), saved_prices.get(code, "")
        if price_text_key(mine, code) != price_text_key(theirs, code):
            rows.append((f"Price in {code}", mine or "(none)", theirs or "(none)"))
    return rows


def price_text_key(text: str, currency: str) -> int | str:
    """A typed price as minor units when it parses, else as typed, so "499" and "499.00" compare equal."""
    try:
        return parse_price(text, currency) if text else ""
    except ValueError:
        return text.strip()
