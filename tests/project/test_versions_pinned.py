"""Issue 24 item 16: versions pinned where they change behaviour, checked against what is installed and used."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import aiohttp
import stripe
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# aiohttp APIs the app and the sandboxes call, and the first release that has each (sources beside each).
AIOHTTP_API_SINCE = {
    # aiohttp 3.9.0 release notes: "Introduced AppKey for static typing support of Application storage" (#5864).
    "web.AppKey": "3.9",
    # First shipped in aiohttp 3.14.0 (docs.aiohttp.org/en/v3.14.1 web_request imports RequestKey from helpers;
    # PrimeIntellect-ai/verifiers#2479: "aiohttp>=3.14.0, the first release that provides web.RequestKey").
    "web.RequestKey": "3.14",
}


def requirement(name: str) -> Requirement:
    """The dependency line of pyproject.toml for one package."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return next(Requirement(line) for line in project["dependencies"] if Requirement(line).name == name)


def floor(req: Requirement) -> Version:
    return next(Version(spec.version) for spec in req.specifier if spec.operator == ">=")


def test_item16_stripe_is_bounded_to_the_major_version_it_is_tested_with():
    spec = requirement("stripe").specifier
    installed = Version(stripe.VERSION)
    assert installed in spec
    assert Version(f"{installed.major + 1}.0.0") not in spec
    assert Version(f"{installed.major - 1}.99.0") not in spec


def test_item16_the_aiohttp_floor_has_every_aiohttp_api_we_call():
    sources = "\n".join(path.read_text() for folder in ("galla", "sandboxes") for path in (ROOT / folder).rglob("*.py"))
    used = {name: since for name, since in AIOHTTP_API_SINCE.items() if re.search(rf"\b{re.escape(name)}\b", sources)}
    assert used, "the table names no API the code calls"
    aiohttp_floor = floor(requirement("aiohttp"))
    assert all(aiohttp_floor >= Version(since) for since in used.values()), (aiohttp_floor, used)
    assert Version(aiohttp.__version__) in requirement("aiohttp").specifier
