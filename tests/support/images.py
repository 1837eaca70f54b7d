"""Real image files for the upload tests, made without an imaging library: PNGs by the specification's rules."""

from __future__ import annotations

import os
import struct
import zlib


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC over type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int, height: int, *, noise: bool = False, rgb: tuple[int, int, int] = (166, 61, 31)) -> bytes:
    """A truecolour PNG: one colour (tiny once compressed), or random pixels (about 3 bytes a pixel, for size)."""
    row = bytes(rgb) * width
    rows = b"".join(b"\x00" + (os.urandom(width * 3) if noise else row) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows, 1))
        + png_chunk(b"IEND", b"")
    )
