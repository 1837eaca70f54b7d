"""The docs stay true of the code: links resolve, settings, events, indexes, endpoints and headers they name exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from galla.app import create_app
from galla.payments.razorpay import events as razorpay_events
from galla.payments.stripe import events as stripe_events
from galla.settings import Settings
from galla.store.db import INDEXES
from sandboxes.razorpay import create_razorpay_sandbox
from sandboxes.stripe import create_stripe_sandbox

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = (
    "README.md",
    "MONEY_FLOWS.md",
    "GOING_LIVE.md",
    "MONGODB.md",
    "BENCHMARKS.md",
    "CONTRACTS.md",
    "SUBSCRIPTIONS.md",
)
APP_CODE = sorted((ROOT / "galla").rglob("*.py"))

# Names in CAPS_WITH_UNDERSCORES that are not settings, and the file that defines each.
NOT_SETTINGS = {"CHECKOUT_SESSION_ID": "galla/payments/stripe/client.py", "RAZORPAY_ORIGINS": "galla/web/security.py"}
# Indexes the docs name only to say they are gone (MONGODB.md tells how to drop them).
RETIRED_INDEXES = {"status_created_at"}
ENABLE_LEVELS = ("required", "recommended", "optional")
MERMAID_OPENERS = ("alt", "opt", "loop", "par", "critical", "break", "rect")
MERMAID_STATEMENT = re.compile(
    r"(autonumber|end|(else|and)( .*)?|(alt|opt|loop|par|critical|break|rect) .+"
    r"|participant \w+ as .+|actor \w+ as .+"
    r"|(?P<src>\w+)(->>|-->>|->|-->|-x|--x|-\)|--\))[+-]?(?P<dst>\w+): .+"
    r"|Note (over|left of|right of) (?P<notes>\w+(,\s*\w+)?): .+)"
)


def read(page: str) -> str:
    """A docs page's text."""
    return (DOCS / page).read_text(encoding="utf-8")


def without_code_blocks(text: str) -> str:
    """The text with fenced blocks removed (a `#` in a block is a comment, not a heading)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor GitHub makes for a Markdown file's headings (repeats get -1, -2, …)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", without_code_blocks(path.read_text(encoding="utf-8")), re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return found


def section(text: str, heading: str) -> str:
    """The body under a heading, up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(heading + "\n") + len(heading) + 1
    following = re.search(rf"^#{{1,{level}}} ", text[start:], re.M)
    return text[start : start + following.start()] if following else text[start:]


def table_rows(text: str) -> list[list[str]]:
    """The cells of each body row of the Markdown tables in text (header and rule rows left out)."""
    rows = []
    lines = [line.strip() for line in text.splitlines()]
    for n, line in enumerate(lines):
        if not line.startswith("|") or re.fullmatch(r"\|[\s:|-]+\|", line):
            continue
        if n + 1 < len(lines) and re.fullmatch(r"\|[\s:|-]+\|", lines[n + 1]):
            continue  # a header row
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def code_name(cell: str) -> str:
    """The one `name` in backticks a table cell holds."""
    found = re.fullmatch(r"`([^`]+)`", cell)
    assert found, f"expected one `name` in backticks, got {cell!r}"
    return found.group(1)


def mermaid_blocks(text: str) -> list[str]:
    """The bodies of the ```mermaid blocks."""
    return re.findall(r"^```mermaid\n(.*?)^```", text, re.M | re.S)


def setting_env_names() -> set[str]:
    """The environment names of every Settings field (pydantic-settings: prefix + field name, any case)."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        names.add((alias or prefix + name).upper())
    return names


def normalise_path(path: str) -> str:
    """A path with its query dropped and each variable segment ({order_id}, pay_…) written {}."""
    path = path.split("?")[0].rstrip(".:")
    return "/".join("{}" if re.fullmatch(r"\{[^}]*\}", part) or "…" in part else part for part in path.split("/"))


def test_the_docs_pages_exist_and_the_index_links_each_one():
    index = read("README.md")
    for page in PAGES:
        assert (DOCS / page).is_file(), page
        if page != "README.md":
            assert f"]({page})" in index, f"docs/README.md does not link {page}"


@pytest.mark.parametrize("page", PAGES)
def test_every_relative_link_resolves(page):
    text = without_code_blocks(read(page))
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links, f"{page} links nowhere"
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue  # http(s):, mailto:
        target, _, fragment = link.partition("#")
        path = (DOCS / page).parent / target if target else DOCS / page
        assert path.resolve().exists(), f"{page}: {link} points at nothing"
        if fragment and path.suffix == ".md":
            assert fragment in anchors(path), f"{page}: {link} names no heading of {path.name}"


@pytest.mark.parametrize("page", PAGES)
def test_every_setting_named_exists(page):
    text = read(page)
    named = set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b(?!\.md)", text))  # GOING_LIVE.md is a page
    named |= set(re.findall(r"\b([A-Z][A-Z0-9_]*)=", text))  # FAILOVER=false
    unknown = named - setting_env_names() - set(NOT_SETTINGS)
    assert not unknown, f"{page} names settings that galla.settings.Settings does not have: {sorted(unknown)}"


def test_the_names_that_are_not_settings_are_where_the_docs_say():
    for name, source in NOT_SETTINGS.items():
        assert name in (ROOT / source).read_text(encoding="utf-8"), f"{name} is not in {source}"


@pytest.mark.parametrize(
    ("heading", "handlers"),
    [
        ("### Razorpay events", razorpay_events.HANDLERS),
        ("### Stripe events", stripe_events.HANDLERS),
    ],
)
def test_the_events_to_enable_are_exactly_the_ones_the_code_handles(heading, handlers):
    rows = table_rows(section(read("GOING_LIVE.md"), heading))
    listed = {}
    for cells in rows:
        event, level = code_name(cells[0]), cells[1].split()[0]
        assert level in ENABLE_LEVELS, f"{event}: enable must start with one of {ENABLE_LEVELS}, not {cells[1]!r}"
        listed[event] = level
    assert set(listed) - set(handlers) == set(), f"GOING_LIVE.md enables events the code ignores under {heading}"
    assert set(handlers) - set(listed) == set(), f"events the code handles are missing under {heading}"
    assert "required" in listed.values()


def declared_indexes() -> dict[tuple[str, str], dict]:
    """Every index in galla/store/db.py INDEXES: (collection, name) → keys and options."""
    declared = {}
    for collection, models in INDEXES.items():
        for model in models:
            doc = model.document
            declared[(collection, doc["name"])] = {
                "keys": [(field, int(direction)) for field, direction in doc["key"].items()],
                "unique": bool(doc.get("unique")),
                "sparse": bool(doc.get("sparse")),
                "ttl": doc.get("expireAfterSeconds"),
            }
    return declared


def documented_indexes() -> dict[tuple[str, str], dict]:
    """The index table of MONGODB.md, read the same way."""
    documented = {}
    for cells in table_rows(section(read("MONGODB.md"), "## Indexes")):
        collection, name, keys, options = code_name(cells[0]), code_name(cells[1]), code_name(cells[2]), cells[3]
        pairs = [part.split(":") for part in keys.strip("{}").split(",")]
        ttl = None
        if "TTL" in options:
            days = re.search(r"TTL (\d+) days?", options)
            assert days or "at the stored time" in options, f"{name}: say 'TTL n days' or 'TTL at the stored time'"
            ttl = int(days.group(1)) * 86400 if days else 0
        documented[(collection, name)] = {
            "keys": [(field.strip(), int(direction)) for field, direction in pairs],
            "unique": "unique" in options,
            "sparse": "sparse" in options,
            "ttl": ttl,
        }
    return documented


def test_the_index_table_matches_models_db_both_ways():
    declared, documented = declared_indexes(), documented_indexes()
    assert set(documented) - set(declared) == set(), "MONGODB.md lists indexes galla/store/db.py does not declare"
    assert set(declared) - set(documented) == set(), "galla/store/db.py declares indexes MONGODB.md does not list"
    for key, spec in declared.items():
        assert documented[key] == spec, f"{key}: MONGODB.md says {documented[key]}, galla/store/db.py {spec}"


@pytest.mark.parametrize("page", PAGES)
def test_every_index_named_in_prose_is_declared_or_retired(page):
    names = {name for _, name in declared_indexes()}
    for name in re.findall(r"`([a-z][a-z0-9_]*)`\s+index", read(page)):
        assert name in names | RETIRED_INDEXES, f"{page} names an index `{name}` galla/store/db.py does not declare"


def test_the_ttl_indexes_named_are_the_declared_ones():
    listed = re.search(r"\*\*TTL indexes\*\* \(([^)]*)\)", read("MONGODB.md"))
    assert listed, "MONGODB.md lists the TTL indexes as **TTL indexes** (`a`, `b`)"
    ttl = {name for (_, name), spec in declared_indexes().items() if spec["ttl"] is not None}
    assert set(re.findall(r"`([^`]+)`", listed.group(1))) == ttl


def test_retired_indexes_are_gone_and_explained():
    names = {name for _, name in declared_indexes()}
    upgrade = section(read("MONGODB.md"), "## Upgrading an existing database")
    for name in RETIRED_INDEXES:
        assert name not in names
        assert f'dropIndex("{name}")' in upgrade


@pytest.mark.parametrize("page", PAGES)
def test_every_mermaid_block_is_a_sequence_diagram_mermaid_can_read(page):
    for block in mermaid_blocks(read(page)):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        assert lines[0] == "sequenceDiagram", f"{page}: a mermaid block starts with {lines[0]!r}"
        declared, depth = set(), 0
        for line in lines[1:]:
            # A ; ends a statement in Mermaid and # starts an entity code: either would cut a message short.
            assert ";" not in line and "#" not in line, f"{page}: {line!r}"
            found = MERMAID_STATEMENT.fullmatch(line)
            assert found, f"{page}: not a sequence diagram statement: {line!r}"
            word = line.split()[0]
            if word in ("participant", "actor"):
                declared.add(line.split()[1])
            depth += word in MERMAID_OPENERS
            depth -= word == "end"
            assert depth >= 0, f"{page}: an `end` closes nothing: {line!r}"
            named = [found.group("src"), found.group("dst"), *(found.group("notes") or "").split(",")]
            for participant in (name.strip() for name in named if name and name.strip()):
                assert participant in declared, f"{page}: {participant} is not a declared participant: {line!r}"
        assert depth == 0, f"{page}: a block (alt, opt, loop, …) is never closed"


def test_money_flows_has_a_diagram_for_each_flow():
    text = read("MONEY_FLOWS.md")
    for flow in ("## Razorpay", "## Stripe Checkout", "## Failover", "## Webhooks", "## Refunds", "## Reconciliation"):
        assert mermaid_blocks(
            section(text, next(h for h in re.findall(r"^## .+$", text, re.M) if h.startswith(flow)))
        ), f"no diagram under {flow}"


async def test_every_endpoint_named_is_a_route_of_galla_or_its_sandboxes_or_a_call_the_gateway_clients_make():
    apps = (
        create_app(Settings(_env_file=None, admin_password="x" * 20, reconcile_interval=0)),
        create_razorpay_sandbox(key_id="rzp_test_docs", key_secret="docs"),
        create_stripe_sandbox(secret_key="sk_test_docs"),
    )
    routes = {
        (route.method, normalise_path(route.resource.canonical))
        for app in apps
        for route in app.router.routes()
        if route.resource is not None
    }
    gateway_code = "".join(
        (ROOT / "galla" / "payments" / name / "client.py").read_text(encoding="utf-8")
        for name in ("razorpay", "stripe")
    )
    gateway_paths = {normalise_path(path) for path in re.findall(r"\"(/v1/[^\"]*)\"", gateway_code)}
    checked = 0
    for page in PAGES:
        for method, path in re.findall(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s`,)]*)", read(page)):
            checked += 1
            if path.startswith("/v1/"):
                assert normalise_path(path) in gateway_paths, f"{page}: {method} {path} is no call Galla makes"
            else:
                assert (method, normalise_path(path)) in routes, (
                    f"{page}: {method} {path} is no route of Galla or its sandboxes"
                )
    assert checked > 20


@pytest.mark.parametrize("page", PAGES)
def test_every_http_header_named_is_one_the_code_uses(page):
    code = "\n".join(path.read_text(encoding="utf-8") for path in APP_CODE).lower()
    for header in set(re.findall(r"\b(?:X-)?[A-Z][a-z]+(?:-[A-Z][A-Za-z0-9]*)+\b", read(page))):
        assert header.lower() in code, f"{page} names a header no code uses: {header}"


@pytest.mark.parametrize("page", PAGES)
def test_every_error_code_named_with_its_status_is_one_the_code_answers(page):
    code = "\n".join(path.read_text(encoding="utf-8") for path in APP_CODE)
    for status, name in re.findall(r"\b([1-5]\d\d)\s+`([a-z_]+)`", read(page)):
        assert f'"{name}"' in code, f"{page}: {status} `{name}` is not an error code of the code"


@pytest.mark.parametrize("page", PAGES)
def test_every_metric_named_exists(page):
    registered = set(
        re.findall(r"\"(galla_[a-z_]+)\"", (ROOT / "galla" / "ops" / "metrics.py").read_text(encoding="utf-8"))
    )
    for name in set(re.findall(r"\bgalla_(?!test_)[a-z_]*[a-z]", read(page))):
        # A counter registered as galla_x is exposed as galla_x_total.
        assert {name, name.removesuffix("_total")} & registered, (
            f"{page} names a metric galla/ops/metrics.py lacks: {name}"
        )
