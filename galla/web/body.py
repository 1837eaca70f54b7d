"""Bodies: requests read strictly (the right content type, a size limit, valid JSON; forms within the limit),
JSON replies encoded with orjson."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel

from galla.jsonio import dumps, loads
from galla.orders.errors import CheckoutError
from galla.orders.inputs import parse_body

MAX_BODY_BYTES = 64 * 1024
TOO_LARGE = f"the body may be at most {MAX_BODY_BYTES} bytes"
Model = TypeVar("Model", bound=BaseModel)
# Every JSON reply; aiohttp's own encodes with the json module.
json_response = functools.partial(web.json_response, dumps=dumps)


class BodyRefused(CheckoutError):
    """A body refused before it is read as the endpoint's model: not JSON, malformed, or too large."""

    def __init__(self, status: int, code: str, message: str, *, field: str) -> None:
        super().__init__(message, field=field, code=code)
        self.status = status


def body_too_large() -> BodyRefused:
    """413 body_too_large, naming the body."""
    return BodyRefused(413, "body_too_large", TOO_LARGE, field="body")


async def read_json(request: web.Request) -> Any:
    """Return the decoded JSON body, or raise a 4xx that says what is wrong with it."""
    if request.content_type != "application/json":
        raise BodyRefused(
            415,
            "unsupported_media_type",
            f"send the body as application/json, not {request.content_type or 'nothing'}",
            field="Content-Type",
        )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise body_too_large()
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise body_too_large() from None
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyRefused(400, "malformed_json", f"the body is not valid JSON: {exc}", field="body") from None


async def read_form(request: web.Request) -> MultiDictProxy:
    """Return the posted form fields, or raise 413 if the body is over the size limit."""
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise body_too_large() from None


def model_response(body: BaseModel, *, status: int = 200, headers: dict | None = None) -> web.Response:
    """A JSON reply with a response model's fields (those it was given: an absent one stays absent)."""
    return json_response(body.model_dump(exclude_unset=True), status=status, headers=headers)


def json_values(body: BaseModel) -> Any:
    """A response model as plain JSON values, exactly as model_response sends it (for a page that embeds it)."""
    return loads(dumps(body.model_dump(exclude_unset=True)))


async def read_model(request: web.Request, model: type[Model]) -> Model:
    """Read the JSON body and validate it against the model."""
    return parse_body(model, await read_json(request))
