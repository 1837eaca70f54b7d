"""docs/ARCHITECTURE.md and the README's layout stay true: what they cite exists, and the import rules they state hold."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
# A path of the tree, optionally followed by `:name` or `:Class.method` defined in that file.
CITED = re.compile(r"(?<![\w/.-])((?:galla|sandboxes|tests|bench|docs|scripts)/[\w/.-]*[\w/])(?::([A-Za-z_][\w.]*))?")
# The example gateway the "Adding a gateway" section walks through: its folders are what a reader would create.
EXAMPLE_GATEWAY = "cashfree"
# What sits above galla/store and the shared galla/payments modules: they may import none of it (type hints aside).
ABOVE_STORE_AND_PAYMENTS = (
    "galla.orders",
    "galla.api",
    "galla.webhooks",
    "galla.shop",
    "galla.admin",
    "galla.web",
    "galla.workers",
    "galla.app",
    "galla.cli",
    "galla.settings",
)


def readme_layout() -> str:
    """The README's Layout section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Layout\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def citations(text: str) -> list[tuple[str, str | None]]:
    """Every (path, name or None) a text cites, the example gateway's folders left out."""
    return [(path, name) for path, name in CITED.findall(text) if EXAMPLE_GATEWAY not in path]


def defines(source: Path, dotted: str) -> bool:
    """Whether a Python file defines `name` (function, class or assignment at top level) or `Class.member`."""
    body = ast.parse(source.read_text(encoding="utf-8")).body
    for part in dotted.split("."):
        found = next((node for node in body if part in defined_names(node)), None)
        if found is None:
            return False
        body = getattr(found, "body", [])
    return True


def defined_names(node: ast.stmt) -> set[str]:
    """The names one statement defines."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {target.id for target in node.targets if isinstance(target, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    return set()


@pytest.mark.parametrize("page", ["docs/ARCHITECTURE.md", "README.md#layout"])
def test_every_path_and_name_cited_exists(page):
    text = ARCHITECTURE.read_text(encoding="utf-8") if page == "docs/ARCHITECTURE.md" else readme_layout()
    cited = citations(text)
    assert len(cited) >= 10, f"{page} cites almost nothing: {cited}"
    missing = [path for path, _ in cited if not (ROOT / path).exists()]
    assert not missing, f"{page} names paths that do not exist: {sorted(set(missing))}"
    undefined = [f"{path}:{name}" for path, name in cited if name and not defines(ROOT / path, name)]
    assert not undefined, f"{page} names what its file does not define: {sorted(set(undefined))}"


def test_every_relative_link_of_the_architecture_points_at_a_file():
    links = re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", ARCHITECTURE.read_text(encoding="utf-8"))
    assert links
    for link in links:
        assert re.match(r"[a-z]+:", link) or (ARCHITECTURE.parent / link).exists(), link


def test_the_readme_layout_names_every_folder_of_galla_and_sandboxes():
    named = {path.rstrip("/") for path, _ in citations(readme_layout())}
    folders = {
        path.relative_to(ROOT).as_posix()
        for top in ("galla", "sandboxes")
        for path in (ROOT / top).iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert folders <= named, f"the README's layout leaves out {sorted(folders - named)}"


def runtime_imports(source: Path) -> list[str]:
    """The modules a file imports when it runs (imports under `if TYPE_CHECKING:` are type hints only)."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    hints = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in hints:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def imports_of(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    """Each `file: module` where a file imports a forbidden module or one inside it."""
    return [
        f"{source.relative_to(ROOT)}: {module}"
        for source in files
        for module in runtime_imports(source)
        if any(module == top or module.startswith(top + ".") for top in forbidden)
    ]


def test_sandboxes_import_nothing_of_galla():
    assert not imports_of(sorted((ROOT / "sandboxes").rglob("*.py")), ("galla",))


def test_the_store_and_what_both_gateways_share_import_nothing_above_them():
    shared = sorted((ROOT / "galla" / "payments").glob("*.py"))
    store = sorted((ROOT / "galla" / "store").rglob("*.py"))
    assert shared and store
    assert not imports_of(shared + store, ABOVE_STORE_AND_PAYMENTS)
