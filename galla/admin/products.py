"""Admin pages: products, their prices per currency, and whether each is on sale."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from galla.admin.actions import notice_naming
from galla.admin.image_upload import MAX_IMAGE_BYTES, allow_image_uploads, read_upload
from galla.admin.product_form import (
    MAIN_CURRENCIES,
    ProductChanged,
    ProductFormInvalid,
    add_product,
    describe_differences,
    edit_product,
    form_values,
    list_products_for_admin,
    load_product,
    typed_values,
    with_blank_rows,
)
from galla.web.body import read_form
from galla.web.state import SHOP

routes = web.RouteTableDef()
LIST_PATH = "/admin/products"
# The product forms' multipart bodies may carry an image (added to the admin's middlewares before its guard).
image_uploads = allow_image_uploads(LIST_PATH)
STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"
NOTICES = {
    "added": "Added {name}. It is on sale now.",
    "added_off": "Added {name}, not on sale yet.",
    "saved": "Saved {name}. New checkouts use its new prices; orders already placed keep theirs.",
}


def static_file_exists(path: str) -> bool:
    """Whether a /static/… path names a file the shop serves."""
    target = (STATIC_ROOT / path.removeprefix("/static/")).resolve()
    return target.is_relative_to(STATIC_ROOT) and target.is_file()


def render_form(
    request: web.Request,
    values: dict,
    *,
    product=None,
    errors: dict | None = None,
    conflict: dict | None = None,
    status: int = 200,
) -> web.Response:
    """The add or edit form with its values, each bad field's message beside it."""
    context = {
        "product": product,
        "values": with_blank_rows(values),
        "errors": errors or {},
        "conflict": conflict,
        "main_currencies": MAIN_CURRENCIES,
        "max_image_mb": MAX_IMAGE_BYTES // (1024 * 1024),
    }
    return aiohttp_jinja2.render_template("admin_product_form.html", request, context, status=status)


@routes.get(LIST_PATH)
async def show_products(request: web.Request) -> web.Response:
    """Every product with its prices, on sale or not; after a save, a notice saying so."""
    products = await list_products_for_admin(request.config_dict[SHOP])
    notice = notice_naming(request.query, products, NOTICES)
    context = {"products": products, "notice": notice, "main_currencies": MAIN_CURRENCIES}
    return aiohttp_jinja2.render_template("admin_products.html", request, context)


@routes.get(LIST_PATH + "/new")
async def show_new_product(request: web.Request) -> web.Response:
    """An empty form for a new product."""
    return render_form(request, form_values(None))


@routes.post(LIST_PATH)
async def post_new_product(request: web.Request) -> web.Response:
    """Add a product; a bad field shows the form again with what was typed."""
    form = await read_form(request)
    upload = await read_upload(form)
    try:
        product = await add_product(request.config_dict[SHOP], form, upload=upload, image_exists=static_file_exists)
    except ProductFormInvalid as exc:
        return render_form(request, typed_values(exc.form or form), errors=exc.errors, status=exc.status)
    raise web.HTTPSeeOther(f"{LIST_PATH}?{'added' if product.active else 'added_off'}={product.id}")


@routes.get(LIST_PATH + "/{product_id}")
async def show_product(request: web.Request) -> web.Response:
    """The edit form of one product, carrying the version it was loaded at."""
    product = await load_product(request.config_dict[SHOP], request.match_info["product_id"])
    return render_form(request, form_values(product), product=product)


@routes.post(LIST_PATH + "/{product_id}")
async def post_product(request: web.Request) -> web.Response:
    """Save an edit; a bad field shows the form again, a save by someone else in between is a 409."""
    shop, product_id = request.config_dict[SHOP], request.match_info["product_id"]
    form = await read_form(request)
    upload = await read_upload(form)
    try:
        product = await edit_product(shop, product_id, form, upload=upload, image_exists=static_file_exists)
    except ProductFormInvalid as exc:
        product = await load_product(shop, product_id)
        values = typed_values(exc.form or form)
        return render_form(request, values, product=product, errors=exc.errors, status=exc.status)
    except ProductChanged as exc:
        saved, typed = form_values(exc.current), typed_values(form)
        conflict = {"message": exc.message, "differences": describe_differences(typed, saved)}
        return render_form(request, saved, product=exc.current, conflict=conflict, status=exc.status)
    raise web.HTTPSeeOther(f"{LIST_PATH}?saved={product.id}")
