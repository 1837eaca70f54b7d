"""Uploaded product images, served from the database to every buyer by every process of the shop."""

from __future__ import annotations

from aiohttp import web

from galla.orders.context import Shop
from galla.orders.errors import NotFound
from galla.store.images import StoredImage, find_image, is_image_stored
from galla.web.state import SHOP

routes = web.RouteTableDef()
IMAGES_PATH = "/images/"
# An image's id is its sha256: the bytes behind a URL never change, so browsers and proxies keep them for good.
CACHE_FOREVER = "public, max-age=31536000, immutable"


def image_url(image_id: str) -> str:
    """The shop's URL of a stored image (a product's image path)."""
    return IMAGES_PATH + image_id


async def load_image(shop: Shop, image_id: str) -> StoredImage:
    """The stored image with this id, or NotFound naming image_id."""
    image = await find_image(shop.db, image_id)
    if image is None:
        raise NotFound("there is no image with this id", field="image_id")
    return image


@routes.get(IMAGES_PATH + "{image_id}")
async def show_image(request: web.Request) -> web.Response:
    """An uploaded image's bytes, with its type and its sha256 as the ETag; 304 when the browser has them."""
    shop, image_id = request.config_dict[SHOP], request.match_info["image_id"]
    headers = {"Cache-Control": CACHE_FOREVER, "X-Content-Type-Options": "nosniff"}
    # The id is the bytes' sha256: a browser holding that ETag has them, so a revalidation reads no chunk.
    if any(tag.value == image_id for tag in request.if_none_match or ()) and await is_image_stored(shop.db, image_id):
        response = web.Response(status=304, headers=headers)
    else:
        image = await load_image(shop, image_id)
        response = web.Response(body=image.data, content_type=image.content_type, headers=headers)
    response.etag = image_id
    return response
