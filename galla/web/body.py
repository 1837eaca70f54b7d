"""Bodies: requests read strictly (the right content type, a size limit, valid JSON; forms within the limit),
JSON replies encoded with orjson."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel

from galla.api.requests import parse_body
from galla.jsonio import dumps, loads
from galla.orders.errors import CheckoutError

MAX_BODY_BYTES = 64 * 1024
TOO_LARGE = f"the body may be at most {MAX_BODY_BYTES} bytes"
Model = TypeVar("Model", bound=BaseModel)
# Every JSON reply; aiohttp's own encodes with the json module.
json_response = functools.partial(web.json_response, dumps=dumps)


class UnsupportedMediaType(CheckoutError):
    status = 415
    code = "unsupported_media_type"


class MalformedJson(CheckoutError):
    status = 400
    code = "malformed_json"


class BodyTooLarge(CheckoutError):
    status = 413
    code = "body_too_large"


async def read_json(request: web.Request) -> Any:
    """Return the decoded JSON body, or raise a 4xx that says what is wrong with it."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            f"send the body as application/json, not {request.content_type or 'nothing'}", field="Content-Type"
        )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BodyTooLarge(TOO_LARGE, field="body")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge(TOO_LARGE, field="body") from None
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson(f"the body is not valid JSON: {exc}", field="body") from None


async def read_form(request: web.Request) -> MultiDictProxy:
    """Return the posted form fields, or raise 413 if the body is over the size limit."""
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge(TOO_LARGE, field="body") from None


async def read_model(request: web.Request, model: type[Model]) -> Model:
    """Read the JSON body and validate it against the model."""
    return parse_body(model, await read_json(request))
