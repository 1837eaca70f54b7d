"""A QR-looking picture for the UPI intent option; the sandbox has no UPI app to scan it, so it encodes nothing."""

from __future__ import annotations

import hashlib

SIZE = 25


def is_finder(x: int, y: int) -> bool | None:
    """Return the colour of a cell inside one of the three corner squares, or None outside them."""
    for left, top in ((0, 0), (SIZE - 7, 0), (0, SIZE - 7)):
        dx, dy = x - left, y - top
        if 0 <= dx < 7 and 0 <= dy < 7:
            ring = max(abs(dx - 3), abs(dy - 3))
            return ring != 2
        if -1 <= dx <= 7 and -1 <= dy <= 7:
            return False  # the white margin around a corner square
    return None


def render_qr_svg(seed: str) -> str:
    """Return an inline SVG of a QR-like grid derived from seed (same seed, same picture)."""
    bits = "".join(f"{byte:08b}" for byte in hashlib.sha256(seed.encode()).digest() * 3)
    path = []
    for y in range(SIZE):
        for x in range(SIZE):
            finder = is_finder(x, y)
            dark = finder if finder is not None else bits[(y * SIZE + x) % len(bits)] == "1"
            if dark:
                path.append(f"M{x} {y}h1v1h-1z")
    return (
        f'<svg class="qr" viewBox="-2 -2 {SIZE + 4} {SIZE + 4}" role="img" '
        f'aria-label="Sandbox UPI QR code (not scannable)" xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="-2" y="-2" width="{SIZE + 4}" height="{SIZE + 4}" fill="#fff"/>'
        f'<path d="{"".join(path)}" fill="#111"/></svg>'
    )
