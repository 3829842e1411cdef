"""The house rules of docs/architecture.md, counted from the code with ``ast`` (imports inside functions count).

- no import circle among the project's modules;
- at most 6 loose modules in ``articles/`` beside the app's own files;
- no module over 450 lines;
- imports point down: nothing outside ``web/`` and ``admin/`` (and the URL conf, commands, the app config)
  imports ``web/`` or ``admin/``; readers know nothing of Django models; ``models`` imports only pure helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_FILES = {"__init__", "apps", "models", "urls", "admin"}
MAX_LOOSE = 6
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("articles", "newsarchive"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _resolve(target: str) -> str | None:
    """The deepest project module that ``target`` (a dotted import path) names."""
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def _imports(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # "from pkg import sub" imports pkg.sub (and pkg itself only when it is not a submodule import).
            subs = [f"{base}.{alias.name}" for alias in node.names]
            targets = [t for t in subs if t in MODULES] or [base]
        for target in targets:
            if (resolved := _resolve(target)) and resolved != name:
                found.add(resolved)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert _cycles() == []


def test_few_loose_modules_in_the_app():
    loose = sorted(p.stem for p in (ROOT / "articles").glob("*.py") if p.stem not in APP_FILES)
    assert len(loose) <= MAX_LOOSE, loose


def test_no_module_over_the_size_limit():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def _top(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else name


def test_no_package_imports_web_or_admin():
    """web/ and admin/ are the top: only themselves, the URL conf and the project import them (and
    admin/ does not import web/, nor web/ admin/)."""
    callers = ("articles.urls", "newsarchive")
    wrong = {
        name: sorted(t for t in targets if _top(t) in ("articles.web", "articles.admin") and _top(t) != _top(name))
        for name, targets in GRAPH.items()
        if not name.startswith(callers)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_readers_and_models_stay_low():
    upper = ("articles.web", "articles.admin", "articles.ingest.service", "articles.ingest.store", "articles.models")
    readers = {
        n: sorted(t for t in GRAPH[n] if t.startswith(upper)) for n in GRAPH if n.startswith("articles.ingest.readers")
    }
    assert {k: v for k, v in readers.items() if v} == {}
    services = ("articles.ingest", "articles.enrich", "articles.stories", "articles.alerts", "articles.web")
    # The sub-packages' own models (alerts.models) are models too: articles.models imports them to register them.
    assert sorted(t for t in GRAPH["articles.models"] if t.startswith(services) and not t.endswith(".models")) == []
