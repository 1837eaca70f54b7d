"""Uploaded images in MongoDB, kept as GridFS keeps files: small ones in one document, larger ones in chunks of
255 KiB beside it, the id their sha256 (so the same bytes are stored once), read back byte for byte."""

from __future__ import annotations

import hashlib

import pytest
from support.images import make_png

from galla.store.db import INDEXES
from galla.store.images import CHUNK_BYTES, ImageDamaged, find_image, is_image_stored, save_image

SMALL = make_png(4, 3)
# Random pixels do not compress: about 600 KB, three chunks.
LARGE = make_png(450, 450, noise=True)


async def test_a_small_image_is_one_document_with_its_bytes(database):
    image_id = await save_image(database.db, SMALL, "image/png")
    doc = await database.db.images.find_one({"_id": image_id})
    assert (doc["data"], doc["size"], doc["content_type"]) == (SMALL, len(SMALL), "image/png")
    assert await database.db.image_chunks.count_documents({}) == 0


async def test_an_image_is_known_by_its_sha256(database):
    image_id = await save_image(database.db, SMALL, "image/png")
    image = await find_image(database.db, image_id)
    assert image_id == image.sha256 == hashlib.sha256(SMALL).hexdigest()
    assert image.created_at.tzinfo is not None


async def test_a_large_image_is_kept_in_chunks_and_read_back_whole(database):
    assert len(LARGE) > 2 * CHUNK_BYTES
    image_id = await save_image(database.db, LARGE, "image/png")
    doc = await database.db.images.find_one({"_id": image_id})
    chunks = await database.db.image_chunks.find({"image_id": image_id}).sort("n", 1).to_list(None)
    assert "data" not in doc and doc["chunks"] == len(chunks) == 3
    assert [len(c["data"]) for c in chunks[:-1]] == [CHUNK_BYTES, CHUNK_BYTES]
    assert (await find_image(database.db, image_id)).data == LARGE


async def test_an_image_missing_a_chunk_is_never_served_cut_short(database):
    image_id = await save_image(database.db, LARGE, "image/png")
    await database.db.image_chunks.delete_one({"_id": f"{image_id}:1"})
    with pytest.raises(ImageDamaged):
        await find_image(database.db, image_id)


async def test_the_same_bytes_saved_twice_are_stored_once(database):
    first = await save_image(database.db, LARGE, "image/png")
    second = await save_image(database.db, LARGE, "image/png")
    assert first == second
    assert await database.db.images.count_documents({}) == 1
    assert await database.db.image_chunks.count_documents({}) == 3


async def test_an_unknown_or_malformed_id_finds_nothing(database):
    await save_image(database.db, SMALL, "image/png")
    for image_id in ("0" * 64, "not-an-id", "A" * 64):
        assert await find_image(database.db, image_id) is None
        assert not await is_image_stored(database.db, image_id)


def test_the_chunks_read_by_image_and_number_are_indexed():
    keys = [list(index.document["key"].items()) for index in INDEXES["image_chunks"]]
    assert [("image_id", 1), ("n", 1)] in keys
