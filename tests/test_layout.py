"""The layout's rules, checked: which package may import which, and the docs' module map.

Imports are read from the source (every `import`, also inside functions; not those under
`if TYPE_CHECKING:`) and followed through our own modules, so a boundary crossed two modules
away fails as surely as a direct one. Importing `worker.a.b` runs `worker/a/__init__.py`
too, so a package's `__init__` counts as imported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = ("worker", "shared", "callback_api")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for package in OURS
    for path in sorted((REPO / package).rglob("*.py"))
    if "__pycache__" not in path.parts
}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, skipping `if TYPE_CHECKING:` bodies (they never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


@cache
def direct_imports(module: str) -> frozenset[str]:
    """Modules `module` imports when it runs: ours by full name, others by top-level name."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in OURS:
                found |= {n for n in _with_parents(name) if n in MODULES}
            else:
                found.add(name.split(".")[0])
    return frozenset(found - {module})


@cache
def reachable(module: str) -> frozenset[str]:
    """Everything importing `module` runs, ours and third-party, itself excluded."""
    seen: set[str] = set()
    todo = [module, *(n for n in _with_parents(module) if n in MODULES)]
    while todo:
        current = todo.pop()
        for name in direct_imports(current):
            if name not in seen:
                seen.add(name)
                if name in MODULES:
                    todo.append(name)
    return frozenset(seen - {module})


def crossing(module: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in reachable(module)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def modules_under(package: str) -> list[str]:
    return [m for m in MODULES if m == package or m.startswith(package + ".")]


BOUNDARIES = [
    ("worker.synthesis", ("worker.jobs", "worker.delivery", "worker.storage", "worker.voices",
                          "runpod", "requests", "boto3", "botocore")),
    ("worker.synthesis.speech", ("worker.engines", "worker.checkpoints", "worker.streaming",
                                 "worker.synthesis.synthesizer", "worker.synthesis.chunking",
                                 "worker.synthesis.sentences", "numpy", "torch")),
    ("worker.checkpoints", ("worker.jobs", "worker.delivery", "worker.synthesis",
                            "worker.voices", "worker.storage", "runpod", "requests", "boto3",
                            "botocore")),
    ("worker.engines", ("worker.jobs", "worker.delivery", "worker.storage", "runpod")),
    ("worker.voices", ("worker.jobs", "worker.delivery", "runpod")),
    ("worker.streaming", ("worker.jobs", "worker.delivery", "worker.synthesis", "worker.engines",
                          "worker.voices", "worker.storage", "runpod", "requests", "boto3",
                          "botocore")),
    ("worker.delivery", ("worker.synthesis", "worker.engines", "worker.voices", "worker.jobs",
                         "runpod")),
    ("worker.storage", ("worker.jobs", "worker.delivery", "worker.synthesis", "worker.engines",
                        "runpod")),
    ("shared", ("worker", "callback_api", "fastapi", "runpod", "boto3", "requests")),
    ("callback_api", ("worker", "runpod", "boto3")),
]  # fmt: skip


@pytest.mark.parametrize(("package", "forbidden"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_no_package_reaches_across_its_boundary(package: str, forbidden: tuple[str, ...]) -> None:
    problems = {m: crossing(m, forbidden) for m in modules_under(package)}
    assert not {m: c for m, c in problems.items() if c}, "imports that cross the boundary"


FLOORS = [
    ("worker.handler", "worker.__main__"),
    ("worker.jobs",),
    ("worker.voices",),
    ("worker.synthesis.synthesizer",),
    ("worker.synthesis.writer",),
    ("worker.synthesis.live_track", "worker.synthesis.assembly"),
    ("worker.synthesis.timings", "worker.delivery"),
    ("worker.synthesis", "worker.storage"),
    ("worker.checkpoints", "worker.deployment"),
    ("worker.engines", "worker.streaming", "worker.config", "worker.logs"),
    ("worker.bucket",),
]
"""The worker's floors, top first: a module imports only from its own floor or lower ones.
A module sits on the floor of the longest prefix naming it (`worker.synthesis.writer` above
the rest of `worker.synthesis`)."""


def floor_of(module: str) -> int | None:
    """The floor's height (0 at the bottom), or None for a module on no floor."""
    matches = [
        (len(prefix), len(FLOORS) - 1 - index)
        for index, floor in enumerate(FLOORS)
        for prefix in floor
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else None


def test_every_worker_module_sits_on_a_floor() -> None:
    assert [m for m in modules_under("worker") if m != "worker" and floor_of(m) is None] == []


def upward_imports(module: str) -> list[str]:
    """What `module` imports, when it runs, from a floor above its own."""
    own = floor_of(module)
    if own is None:
        return []
    return sorted(n for n in direct_imports(module) if (floor_of(n) or 0) > own)


def test_no_worker_import_runs_back_up_the_floors() -> None:
    upward = {module: upward_imports(module) for module in modules_under("worker")}
    assert {m: names for m, names in upward.items() if names} == {}, "imports that run back up"


def test_a_module_sits_on_the_floor_of_its_longest_prefix() -> None:
    def height(module: str) -> int:
        found = floor_of(module)
        assert found is not None, module
        return found

    assert height("worker.synthesis.writer") > height("worker.synthesis.encoding")
    assert height("worker.voices.sources") > height("worker.engines.base")
    assert upward_imports("worker.engines.chatterbox.engine") == []


MAX_MODULE_LINES = 400


def test_no_module_is_over_400_lines() -> None:
    lines = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    assert {m: n for m, n in lines.items() if n > MAX_MODULE_LINES} == {}


def test_only_the_handler_imports_runpod() -> None:
    importers = sorted(m for m in MODULES if "runpod" in direct_imports(m))
    assert importers == ["worker.handler"]


def test_the_checker_sees_indirect_and_lazy_imports() -> None:
    assert "worker.engines.base" in reachable("worker.synthesis.synthesizer")
    assert "worker.engines" in reachable("worker.synthesis.synthesizer")  # the package runs
    assert "boto3" in reachable("worker.jobs.story")  # through worker.storage
    assert "runpod" in crossing("worker.handler", ("runpod",))
    assert "torch" in reachable("worker.engines.chatterbox")  # imported inside a function


def test_shared_names_no_module_that_the_worker_names_differently() -> None:
    """`shared/jobs.py` beside `worker/jobs/` would say two things with one name."""
    worker_names = {name.rsplit(".", 1)[-1] for name in modules_under("worker")}
    shared_names = {name.rsplit(".", 1)[-1] for name in modules_under("shared")} - {"shared"}
    assert not shared_names & worker_names


def architecture_section(marker: str) -> str:
    text = (REPO / "docs" / "architecture.md").read_text()
    return text.split(f"<!-- {marker}:begin -->")[1].split(f"<!-- {marker}:end -->")[0]


def test_the_docs_map_every_worker_and_shared_module() -> None:
    mapped = set(
        re.findall(r"^\| `((?:worker|shared)/[\w/]+\.py)` \|", architecture_section("map"), re.M)
    )
    files = {
        path.relative_to(REPO).as_posix()
        for name, path in MODULES.items()
        if name.split(".")[0] in ("worker", "shared")
        and (path.name != "__init__.py" or defines_something(path))
    }
    assert mapped == files


def defines_something(path: Path) -> bool:
    """A package `__init__` with functions or classes of its own is a module worth mapping."""
    tree = ast.parse(path.read_text())
    return any(isinstance(n, ast.FunctionDef | ast.ClassDef) for n in tree.body)
