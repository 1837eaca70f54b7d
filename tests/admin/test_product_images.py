"""A product's image uploaded with the admin's form: checked by its bytes and size, kept in MongoDB (so a second
process of the shop on the same database serves it), served at /images/{sha256} with its type, an ETag and a
cache that never revalidates, and shown by the catalog as any image path is."""

from __future__ import annotations

import hashlib
import re

import aiohttp
import pytest
from support.admin import sign_in
from support.app import ADMIN
from support.images import make_png

from galla.admin.image_upload import MAX_IMAGE_BYTES
from galla.store.products import find_product
from galla.web.state import DATABASE

PNG = make_png(8, 6)
FIELDS = {"name": "Kesar Chai, 100 g", "description": "Saffron and cardamom.", "price_INR": "349", "active": "on"}


def product_form(
    upload: bytes | None, *, filename: str = "chai.png", claimed: str = "image/png", **fields
) -> aiohttp.FormData:
    """The product form as a browser posts it with a file chosen: multipart, the file with the type it claims."""
    form = aiohttp.FormData()
    for name, value in {**FIELDS, **fields}.items():
        form.add_field(name, value)
    if upload is not None:
        form.add_field("image_file", upload, filename=filename, content_type=claimed)
    return form


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'data-testid="error-{re.escape(field)}">(.*?)</p>', page, re.S)
    return match[1] if match else None


async def add_with_image(client, image: bytes, headers=ADMIN, **fields) -> str:
    """Add a product with an uploaded image; return the image path it was given."""
    resp = await client.post(
        "/admin/products", data=product_form(image, **fields), headers=headers, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    product = await find_product(client.app[DATABASE].db, "kesar-chai-100-g")
    return product.image


async def test_an_uploaded_image_becomes_the_products_image_at_its_own_url(client):
    path = await add_with_image(client, PNG)
    assert path == "/images/" + hashlib.sha256(PNG).hexdigest()
    resp = await client.get(path)
    assert (resp.status, resp.content_type, await resp.read()) == (200, "image/png", PNG)


async def test_an_image_is_served_for_caches_to_keep_and_browsers_not_to_sniff(client):
    path = await add_with_image(client, PNG)
    resp = await client.get(path)
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["ETag"] == f'"{hashlib.sha256(PNG).hexdigest()}"'
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    again = await client.get(path, headers={"If-None-Match": resp.headers["ETag"]})
    assert (again.status, await again.read()) == (304, b"")


async def test_a_revalidation_reads_no_bytes_of_the_image(client, monkeypatch):
    """The id is the sha256, so a browser holding the ETag has the bytes: a 304 reads only the id, never the chunks
    (a public route could otherwise be made to pull megabytes from MongoDB per request)."""
    import galla.shop.images as images

    path = await add_with_image(client, PNG)
    loaded: list[str] = []
    real = images.find_image

    async def spy(db, image_id):
        loaded.append(image_id)
        return await real(db, image_id)

    monkeypatch.setattr(images, "find_image", spy)
    again = await client.get(path, headers={"If-None-Match": f'"{path.removeprefix("/images/")}"'})
    assert again.status == 304 and loaded == []


async def test_a_second_process_on_the_same_database_serves_the_image(make_client):
    first, second = await make_client(), await make_client()
    assert first.server.port != second.server.port
    path = await add_with_image(first, PNG)
    resp = await second.get(path)
    assert (resp.status, await resp.read()) == (200, PNG)


async def test_the_catalog_and_the_api_show_the_uploaded_image(client):
    path = await add_with_image(client, PNG)
    catalog = await (await client.get("/")).text()
    assert f'src="{path}"' in catalog
    products = (await (await client.get("/api/products")).json())["products"]
    assert {p["id"]: p["image"] for p in products}["kesar-chai-100-g"] == path


async def test_a_file_is_known_by_its_bytes_not_by_the_type_the_browser_claims(client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    resp = await client.post("/admin/products", data=product_form(svg, filename="chai.png"), headers=ADMIN)
    assert resp.status == 415
    assert "not a JPEG, PNG, WebP or GIF" in field_error(await resp.text(), "image_file")
    assert await client.app[DATABASE].db.images.count_documents({}) == 0
    assert await find_product(client.app[DATABASE].db, "kesar-chai-100-g") is None


@pytest.mark.parametrize(
    ("claimed", "image"),
    [
        ("application/octet-stream", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)),
        ("image/jpeg", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)),
        ("text/plain", b"GIF89a\x01\x00\x01\x00" + bytes(32)),
    ],
)
async def test_jpeg_webp_and_gif_are_taken_whatever_their_claimed_type(client, claimed, image):
    path = await add_with_image(client, image, claimed=claimed)
    resp = await client.get(path)
    assert resp.content_type == {b"\xff": "image/jpeg", b"R": "image/webp", b"G": "image/gif"}[image[:1]]


async def test_an_image_over_the_cap_is_refused_naming_its_field(client):
    too_big = PNG + bytes(MAX_IMAGE_BYTES + 1 - len(PNG))
    resp = await client.post("/admin/products", data=product_form(too_big), headers=ADMIN)
    assert resp.status == 413
    assert "at most 2 MB" in field_error(await resp.text(), "image_file")
    assert await client.app[DATABASE].db.images.count_documents({}) == 0


async def test_a_body_too_large_even_for_an_image_is_refused_naming_the_image(client):
    resp = await client.post("/admin/products", data=product_form(PNG + bytes(3 * MAX_IMAGE_BYTES)), headers=ADMIN)
    assert resp.status == 413
    assert "The image may be at most 2 MB" in await resp.text()


async def test_a_signed_in_admin_uploads_past_the_forms_usual_limit(client):
    # The session's CSRF token is read from the multipart body before the handler sees it: the larger limit holds.
    token = await sign_in(client)
    big = make_png(200, 200, noise=True)
    assert len(big) > 64 * 1024
    path = await add_with_image(client, big, headers={}, csrf_token=token)
    assert (await (await client.get(path)).read()) == big


async def test_an_upload_is_kept_when_another_field_needs_fixing(client):
    resp = await client.post("/admin/products", data=product_form(PNG, price_INR="abc"), headers=ADMIN)
    page = await resp.text()
    assert resp.status == 422 and field_error(page, "price_INR")
    path = "/images/" + hashlib.sha256(PNG).hexdigest()
    assert f'value="{path}"' in page  # saved again without choosing the file again


async def test_an_edit_replaces_the_image_with_an_upload(client):
    await add_with_image(client, PNG)
    form = await (await client.get("/admin/products/kesar-chai-100-g", headers=ADMIN)).text()
    version = re.search(r'name="version" value="(\d+)"', form)[1]
    other = make_png(5, 5, rgb=(20, 90, 60))
    data = product_form(other, version=version, image="/static/img/products/masala-chai.svg")
    resp = await client.post("/admin/products/kesar-chai-100-g", data=data, headers=ADMIN, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    product = await find_product(client.app[DATABASE].db, "kesar-chai-100-g")
    assert product.image == "/images/" + hashlib.sha256(other).hexdigest()


async def test_a_typed_image_address_must_be_an_uploaded_image(client):
    data = product_form(None, image="/images/" + "0" * 64)
    resp = await client.post("/admin/products", data=data, headers=ADMIN)
    assert resp.status == 422
    assert "No image was uploaded" in field_error(await resp.text(), "image")


@pytest.mark.parametrize("image_id", ["0" * 64, "not-an-image", "chai.png"])
async def test_an_unknown_image_is_not_found(client, image_id):
    resp = await client.get(f"/images/{image_id}")
    assert resp.status == 404
