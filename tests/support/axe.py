"""axe-core in the browser tests: a page has no serious or critical accessibility violation, and its screenshot."""

from __future__ import annotations

from typing import Any

from support.browser import SHOTS

BLOCKING = ("serious", "critical")


async def find_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations on the page as it is now (axe-playwright-python's bundle)."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One line per violation: its rule, impact, help text and the first few elements it names."""
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node.get("target", []))) for node in v.get("nodes", [])[:4]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


async def check_page(page: Any, name: str) -> None:
    """Save artifacts/screenshots/<name>.png and fail on any serious or critical axe-core violation."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    violations = await find_violations(page)
    assert not violations, f"axe-core on {name} ({page.url}):\n{describe_violations(violations)}"
