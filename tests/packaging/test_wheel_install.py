"""The wheel holds every file of galla and sandboxes, and installed in a fresh venv outside the repo it serves the shop."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# One worker builds and installs the wheel once for all three tests (addopts --dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("galla", "sandboxes")
# Files that must ship whatever else changes: a page template, a static file, each sandbox's page and assets.
KNOWN_DATA = (
    "galla/templates/catalog.html",
    "galla/templates/admin_login.html",
    "galla/templates/email/receipt.txt",
    "galla/static/css/shop.css",
    "galla/static/img/products/masala-chai.svg",
    "sandboxes/razorpay/templates/window.html",
    "sandboxes/razorpay/assets/checkout.js",
    "sandboxes/stripe/templates/pay.html",
    "sandboxes/stripe/assets/pay.css",
    "sandboxes/common/assets/banner.css",
)
# What a checkout out of git never holds; used only when the repo is not a git checkout.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", "artifacts", "node_modules"
)
# pip's words for "the index could not be reached", as opposed to a wheel that does not install.
OFFLINE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Name or service not known|Network is unreachable|Max retries exceeded|ConnectTimeout|ReadTimeout"
)
ADMIN_PASSWORD = "wheel-test-admin-password"
SERVE_START_SECONDS = 60
SERVE_STOP_SECONDS = 15


def source_files(root: Path) -> list[str]:
    """The repo's files as a fresh clone plus uncommitted work would hold them (nothing git ignores)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted(name for name in listed.split("\0") if name and (root / name).is_file())


def copy_source(root: Path, destination: Path) -> None:
    """Copy the repo without its build leftovers: a stale build/ or egg-info would hide package data left out."""
    names = source_files(root)
    if not names:
        shutil.copytree(root, destination, ignore=NOT_SOURCE)
        return
    for name in names:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)


def packaged_files(tree: Path) -> set[str]:
    """Every file of the galla and sandboxes packages in a source tree, as paths inside a wheel."""
    return {
        path.relative_to(tree).as_posix()
        for package in PACKAGES
        for path in (tree / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def run_pip(*args: str) -> None:
    """Run this interpreter's pip; skip when the package index is unreachable, fail on anything else."""
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if done.returncode == 0:
        return
    output = done.stdout + done.stderr
    if OFFLINE.search(output):
        pytest.skip(f"the package index is unreachable: {OFFLINE.search(output).group(0)}")
    pytest.fail(f"pip {args[0]} failed ({done.returncode}):\n{output[-4000:]}")


@dataclass
class Built:
    """The wheel built from a clean copy of the repo, and that copy."""

    wheel: Path
    source: Path
    seconds: float


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """Build the wheel as `pip wheel .` does, from a copy of the repo with no build leftovers."""
    started = time.monotonic()
    source = tmp_path_factory.mktemp("source") / "galla"
    copy_source(ROOT, source)
    out = tmp_path_factory.mktemp("wheelhouse")
    run_pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source))
    (wheel,) = out.glob("galla-*.whl")
    return Built(wheel=wheel, source=source, seconds=time.monotonic() - started)


def test_the_wheel_holds_every_file_of_the_packages_templates_and_static_files_included(built):
    names = set(zipfile.ZipFile(built.wheel).namelist())
    missing_known = [name for name in KNOWN_DATA if name not in names]
    assert not missing_known, f"the wheel lacks package data: {missing_known}"
    # Every template, static file, sandbox asset and module (a folder without __init__.py is no package).
    expected = packaged_files(built.source)
    assert set(KNOWN_DATA) <= expected, "the source copy is incomplete"
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks {len(missing)} files of the packages, first {missing[:10]}"
    assert "galla = galla.cli:main" in zipfile.ZipFile(built.wheel).read(entry_points(names)).decode()


def entry_points(names: set[str]) -> str:
    """The wheel's entry_points.txt."""
    (found,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
    return found


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """A fresh venv outside the repo with the wheel installed by pip, its dependencies from the package index."""
    started = time.monotonic()
    venv = tmp_path_factory.mktemp("venv") / "venv"
    # No pip inside: this interpreter's pip installs into it (--python), which saves making one per run.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    run_pip("--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-compile", str(built.wheel))
    print(
        f"wheel built in {built.seconds:.1f} s, installed with its dependencies in {time.monotonic() - started:.1f} s"
    )
    return venv


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(venv: Path, home: Path) -> dict[str, str]:
    """An environment with no setting, key, database or PYTHONPATH of the caller's: the keyless demo."""
    return {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.defpath}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LOG_FORMAT": "text",
    }


@dataclass
class Page:
    """One HTTP answer."""

    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8")


class Browser:
    """Plain HTTP to the served shop with a cookie jar, no proxy, redirects followed."""

    def __init__(self, base: str) -> None:
        """A client of the server at base."""
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> Page:
        """GET path, or POST data to it."""
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=20) as response:
                return Page(response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as exc:
            return Page(exc.code, exc.headers.get("Content-Type", ""), exc.read())

    def post_json(self, path: str, body: dict) -> Page:
        """POST a JSON body."""
        return self.request(path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    def post_form(self, path: str, fields: dict[str, str]) -> Page:
        """POST a form, as a browser does (with its Origin, which the admin checks)."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.base}
        return self.request(path, data=urllib.parse.urlencode(fields).encode(), headers=headers)


@pytest.fixture(scope="module")
def serving(installed, tmp_path_factory) -> Iterator[Browser]:
    """The venv's `galla serve` on a free port, run from a folder outside the repo; stopped with Ctrl-C after."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    env = clean_env(installed, elsewhere)
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import galla, sandboxes; print(galla.__file__, sandboxes.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(path).is_relative_to(installed) for path in where), f"imported from outside the venv: {where}"
    port = free_port()
    log = (elsewhere / "serve.log").open("w")
    server = subprocess.Popen(
        [str(installed / "bin" / "galla"), "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    browser = Browser(f"http://127.0.0.1:{port}")
    try:
        wait_until_ready(browser, server, elsewhere / "serve.log")
        yield browser
    finally:
        stopped = stop(server)
        log.close()
    assert stopped, f"galla serve did not stop on Ctrl-C:\n{(elsewhere / 'serve.log').read_text()[-4000:]}"


def wait_until_ready(browser: Browser, server: subprocess.Popen, log: Path) -> None:
    """Poll /healthz until the server answers; fail with its output if it exits or never answers."""
    deadline = time.monotonic() + SERVE_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"galla serve exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if browser.request("/healthz").status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"galla serve did not answer within {SERVE_START_SECONDS} s:\n{log.read_text()[-4000:]}")


def stop(server: subprocess.Popen) -> bool:
    """Interrupt the server as Ctrl-C does; kill it if it does not end in time. True when it ended by itself."""
    if server.poll() is not None:
        return True
    server.send_signal(signal.SIGINT)
    try:
        server.wait(SERVE_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return False
    return True


def test_the_installed_wheel_serves_every_kind_of_page_from_outside_the_repo(serving, built):
    catalog = serving.request("/")
    assert catalog.status == 200 and catalog.content_type.startswith("text/html"), catalog
    assert 'data-testid="catalog"' in catalog.text and "Assam Masala Chai" in catalog.text
    assert "/static/css/shop.css" in catalog.text

    checkout = serving.request("/checkout")
    assert checkout.status == 200 and 'data-testid="checkout-form"' in checkout.text

    style = serving.request("/static/css/shop.css")
    assert style.status == 200 and style.content_type.startswith("text/css")
    assert style.body == (built.source / "galla/static/css/shop.css").read_bytes()
    image = serving.request("/static/img/products/masala-chai.svg")
    assert (
        image.status == 200 and image.body == (built.source / "galla/static/img/products/masala-chai.svg").read_bytes()
    )

    login = serving.request("/admin/login")
    assert login.status == 200 and 'data-testid="admin-login"' in login.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token, login.text
    dashboard = serving.post_form("/admin/login", {"csrf_token": token.group(1), "password": ADMIN_PASSWORD})
    assert dashboard.status == 200 and "Dashboard" in dashboard.text, dashboard.status


def place_order(browser: Browser, country: str, address: dict[str, str]) -> dict:
    """Place an order for one packet of chai from a buyer in country; the API's answer."""
    placed = browser.post_json(
        "/api/checkout",
        {
            "items": [{"product_id": "masala-chai", "quantity": 1}],
            "customer": {"name": "Meera Iyer", "email": "meera@example.in", "phone": "9845012345"},
            "country": country,
            "shipping_address": {**address, "country": country},
        },
    )
    assert placed.status == 201, placed.text
    return json.loads(placed.body)


def test_the_installed_wheel_takes_orders_through_its_mounted_sandboxes_and_their_pages(serving):
    india = {"line1": "Flat 4B, 12 MG Road", "city": "Bengaluru", "state": "Karnataka", "postal_code": "560001"}
    order = place_order(serving, "IN", india)
    options = order["razorpay"]
    assert options["key"].startswith("rzp_test_")
    page = serving.request(f"/orders/{order['order_id']}")
    assert page.status == 200 and "Waiting for payment" in page.text
    # Each sandbox's page and assets come from the wheel's sandboxes package.
    script = serving.request("/sandbox/razorpay/v1/checkout.js")
    assert script.status == 200 and "Razorpay" in script.text
    query = urllib.parse.urlencode({"key_id": options["key"], "order_id": options["order_id"]})
    window = serving.request(f"/sandbox/razorpay/checkout/window?{query}")
    assert window.status == 200 and re.search("sandbox", window.text, re.I)

    usa = {"line1": "1600 Amphitheatre Parkway", "city": "Mountain View", "state": "CA", "postal_code": "94043"}
    hosted = urllib.parse.urlsplit(place_order(serving, "US", usa)["stripe"]["url"])
    assert hosted.path.startswith("/sandbox/stripe/"), hosted
    assert serving.request(hosted.path).status == 200
    assert serving.request("/sandbox/stripe/c/assets/pay.css").status == 200
