"""A product's image uploaded with the admin's form: read from the multipart body, known by its first bytes (never
by the type the browser claims), within a size cap, and stored in the database for every process to serve."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from multidict import MultiDictProxy

from galla.orders.context import Shop
from galla.orders.errors import CheckoutError
from galla.shop.images import image_url
from galla.store.images import save_image
from galla.web.body import MAX_BODY_BYTES, BodyRefused

FIELD = "image_file"
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# The product form's body: the image plus the form's other fields, which other forms keep to MAX_BODY_BYTES.
MAX_UPLOAD_BODY_BYTES = MAX_IMAGE_BYTES + MAX_BODY_BYTES
TOO_LARGE = f"the image may be at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB; save it smaller and upload it again"
# The formats every browser shows, by their signatures; SVG is not among them (it can carry scripts).
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class ImageRefused(CheckoutError):
    """An uploaded file the shop will not keep as a product image: too large, or not an image it can serve."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, field=FIELD, code=code)
        self.status = status


def sniff_image_type(data: bytes) -> str | None:
    """The image type the bytes begin as (JPEG, PNG, GIF or WebP), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for signature, kind in SIGNATURES if data.startswith(signature)), None)


async def read_upload(form: MultiDictProxy) -> bytes | None:
    """The bytes of the form's chosen image file, or None when none was chosen (an empty file input)."""
    field = form.get(FIELD)
    if not isinstance(field, web.FileField):
        return None
    # aiohttp spooled the part to a temporary file; read it off the event loop, one byte past the cap at most.
    data = await asyncio.to_thread(field.file.read, MAX_IMAGE_BYTES + 1)
    return data or None


async def store_upload(shop: Shop, data: bytes) -> str:
    """Check an uploaded image and store it; return the path the shop serves it at."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(413, "image_too_large", TOO_LARGE)
    content_type = sniff_image_type(data)
    if content_type is None:
        raise ImageRefused(
            415, "unsupported_image", "the file is not a JPEG, PNG, WebP or GIF image; choose a photo in one of those"
        )
    return image_url(await save_image(shop.db, data, content_type))


def allow_image_uploads(path: str) -> Middleware:
    """A middleware letting the multipart forms posted under path carry an image (aiohttp's size limit is per
    request, set by the root application for every form); a body too large even for that is refused naming the
    image field."""

    @web.middleware
    async def allow_uploads(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.content_type != "multipart/form-data" or not is_under(request, path):
            return await handler(request)
        try:
            return await handler(request.clone(client_max_size=MAX_UPLOAD_BODY_BYTES))
        except BodyRefused as exc:
            if exc.status != 413:
                raise
            raise ImageRefused(413, "image_too_large", TOO_LARGE) from None

    return allow_uploads


def is_under(request: web.Request, path: str) -> bool:
    """Whether the request's path is path or below it."""
    return request.path == path or request.path.startswith(path + "/")
