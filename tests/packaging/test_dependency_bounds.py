"""Issue 25 item 6: every dependency bounded below and at its next major version above, mongomock exactly."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
REQUIREMENTS = [Requirement(line) for line in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["dev"]]]


@pytest.mark.parametrize("req", REQUIREMENTS, ids=lambda req: req.name)
def test_issue25_a_dependency_has_a_floor_and_stops_before_the_next_major_of_what_is_installed(req):
    installed = Version(version(req.name))
    assert installed in req.specifier
    if req.name == "mongomock":  # the embedded store reaches into its internals (galla/store/embedded/)
        assert str(req.specifier) == "==4.3.0"
        return
    operators = {spec.operator for spec in req.specifier}
    assert ">=" in operators and "<" in operators, req
    assert Version(f"{installed.major + 1}") not in req.specifier


def test_issue25_the_bounds_cover_the_runtime_and_the_dev_dependencies():
    names = {req.name for req in REQUIREMENTS}
    assert {"aiohttp", "stripe", "mongomock", "pytest", "ruff", "mypy"} <= names
