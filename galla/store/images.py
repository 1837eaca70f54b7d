"""Uploaded images, kept in MongoDB as GridFS keeps files, so every process of the shop serves the same ones:
a document per image (type, size, sha256) holding its bytes, or, over one chunk's size, its bytes in numbered
chunk documents beside it. An image's id is its sha256, so the same bytes are stored once and an id never
names other bytes (its URL may be cached for good)."""

from __future__ import annotations

import contextlib
import hashlib
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import BulkWriteError, DuplicateKeyError

from galla.store.orders import now

# GridFS's default chunk size: documents stay small, and one image is read in a few round trips.
CHUNK_BYTES = 255 * 1024
IMAGE_ID = re.compile(r"[0-9a-f]{64}")
DUPLICATE_KEY = 11000


class ImageDamaged(RuntimeError):
    """A stored image whose chunks do not add up to its size."""


class StoredImage(BaseModel):
    """One image as the shop serves it: its bytes, their type, and their sha256 (which is also its id)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    id: str = Field(alias="_id")
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    data: bytes


def split_chunks(image_id: str, data: bytes) -> list[dict[str, Any]]:
    """The chunk documents of an image too big for one: _id "<image id>:<n>", so a second save of it is a no-op."""
    return [
        {"_id": f"{image_id}:{n}", "image_id": image_id, "n": n, "data": data[start : start + CHUNK_BYTES]}
        for n, start in enumerate(range(0, len(data), CHUNK_BYTES))
    ]


async def save_image(db: Any, data: bytes, content_type: str) -> str:
    """Store an image's bytes (once, however often they are saved) and return its id."""
    image_id = hashlib.sha256(data).hexdigest()
    doc: dict[str, Any] = {
        "_id": image_id,
        "content_type": content_type,
        "size": len(data),
        "sha256": image_id,
        "created_at": now(),
    }
    if len(data) <= CHUNK_BYTES:
        doc["data"] = data
    else:
        chunks = split_chunks(image_id, data)
        doc["chunks"] = len(chunks)
        # Chunks first, as GridFS writes them: an image document found means all its chunks are there.
        try:
            await db.image_chunks.insert_many(chunks, ordered=False)
        except BulkWriteError as exc:  # chunks of the same bytes, saved before or alongside: already there
            if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
                raise
    with contextlib.suppress(DuplicateKeyError):  # the same bytes, stored already
        await db.images.insert_one(doc)
    return image_id


async def find_image(db: Any, image_id: str) -> StoredImage | None:
    """The image with this id and its bytes, or None."""
    if not IMAGE_ID.fullmatch(image_id):
        return None
    doc = await db.images.find_one({"_id": image_id})
    if doc is None:
        return None
    if "data" not in doc:
        cursor = db.image_chunks.find({"image_id": image_id}).sort("n", 1)
        doc["data"] = b"".join([chunk["data"] async for chunk in cursor])
    if len(doc["data"]) != doc["size"]:  # a chunk lost or added by hand: never serve a truncated or mixed image
        raise ImageDamaged(f"image {image_id} holds {len(doc['data'])} bytes of its {doc['size']}")
    return StoredImage.model_validate(doc)


async def is_image_stored(db: Any, image_id: str) -> bool:
    """Whether an image with this id is stored."""
    return IMAGE_ID.fullmatch(image_id) is not None and (
        await db.images.find_one({"_id": image_id}, {"_id": True}) is not None
    )
