"""Which stripe.params TypedDict describes a request, read from stripe-python's own service sources.

Every v1 service method in stripe-python is generated in one shape (e.g. stripe/_customer_service.py):

    async def search_async(self, params: "CustomerSearchParams", options=None):
        return ... self._request_async("get", "/v1/customers/search", base_address="api", params=params, ...)

so (method, path template) → params class is taken from the SDK, not written by us: a new endpoint Galla
starts calling is mapped without touching this file.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import stripe

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint of Stripe's v1 API: its method, its path template as a pattern, the TypedDict of its parameters."""

    method: str
    path: re.Pattern[str]
    params: type


def _path_pattern(template: str) -> re.Pattern[str]:
    """A path template as a regular expression, each {placeholder} standing for one path segment."""
    return re.compile(
        "^" + _PLACEHOLDER.sub("[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
    )


def _params_annotation(func: ast.AsyncFunctionDef | ast.FunctionDef) -> str | None:
    for arg in func.args.args + func.args.posonlyargs + func.args.kwonlyargs:
        if arg.arg == "params" and arg.annotation is not None:
            text = (
                ast.literal_eval(arg.annotation)
                if isinstance(arg.annotation, ast.Constant)
                else ast.unparse(arg.annotation)
            )
            found = re.search(r"[A-Z]\w*Params", text)
            return found.group(0) if found else None
    return None


def _request_call(func: ast.AST) -> tuple[str, str] | None:
    """The (method, path template) of the self._request[_async](...) call in a service method."""
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("_request", "_request_async")
            and len(node.args) >= 2
        ):
            method, path = node.args[0], node.args[1]
            if isinstance(path, ast.Call) and isinstance(path.func, ast.Attribute) and path.func.attr == "format":
                path = path.func.value
            if isinstance(method, ast.Constant) and isinstance(path, ast.Constant):
                return method.value.upper(), path.value
    return None


def _imports(tree: ast.Module) -> dict[str, str]:
    return {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


@functools.cache
def stripe_routes() -> tuple[Route, ...]:
    """Every v1 endpoint stripe-python's services call, literal paths before ones with placeholders."""
    root = Path(stripe.__file__).parent
    found: dict[tuple[str, str], type] = {}
    for source in sorted(root.rglob("*_service.py")):
        if "v2" in source.relative_to(root).parts[:-1]:
            continue
        tree = ast.parse(source.read_text())
        imports = _imports(tree)
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            name, call = _params_annotation(func), _request_call(func)
            if not (name and call and call[1].startswith("/v1/") and name in imports):
                continue
            found.setdefault(call, getattr(importlib.import_module(imports[name]), name))
    # Each pattern compiled once here: params_type tries them all for every request checked.
    ordered = sorted(found.items(), key=lambda item: (item[0][1].count("{"), item[0][1]))
    return tuple(Route(method, _path_pattern(template), params) for (method, template), params in ordered)


def params_type(method: str, path: str) -> type | None:
    """The TypedDict of a request's parameters, or None for an endpoint stripe-python does not have."""
    for route in stripe_routes():
        if route.method == method.upper() and route.path.match(path):
            return route.params
    return None
