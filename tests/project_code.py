"""What code each part of the project runs, read from the source (nothing is imported).

Used by tests/test_layout.py to check the package's layering and that every
project.yml step lists the scripts, modules and configs it runs as deps. Run it to
print the deps a step needs:

    python tests/project_code.py [COMMAND ...]
"""
import ast
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "custom_ner"
# files a module starts by path (a subprocess, streamlit), not by import
RUN_BY_PATH = {
    "custom_ner/apps/demo.py": ["custom_ner/apps/streamlit_app.py"],
    "custom_ner/apps/benchmark.py": ["scripts/annotate.py"],
    "custom_ner/apps/load_test.py": ["scripts/serve.py"],
    "custom_ner/apps/soak.py": ["scripts/serve.py"],
}
REGISTERED = re.compile(r'"(custom_ner\.[\w.]+\.v\d+)"')


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=None)
def modules() -> Dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def _package_of(path: Path) -> List[str]:
    name = module_name(path).split(".")
    return name if path.name == "__init__.py" else name[:-1]


@lru_cache(maxsize=None)
def imports(path: Path) -> Tuple[str, ...]:
    """The project modules ``path`` imports anywhere in it (function-level imports too)."""
    tree = ast.parse(path.read_text(encoding="utf8"))
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(path)[: len(_package_of(path)) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            candidates = [f"{mod}.{alias.name}" for alias in node.names] + [mod]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        for name in candidates:
            while name and name not in modules():
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    found.discard(module_name(path) if path.is_relative_to(ROOT / PACKAGE) else "")
    return tuple(sorted(found))


def with_parents(name: str) -> Iterator[str]:
    """``a.b.c`` -> ``a``, ``a.b``, ``a.b.c``: importing a module runs its packages' __init__."""
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        yield ".".join(parts[:i])


def entry_points() -> Dict[str, str]:
    """Registered name -> module, from pyproject.toml's spaCy entry points."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf8")
    return {name: target.split(":")[0] for name, target in re.findall(r'^"([\w.]+)" = "([\w.]+):\w+"', text, re.M)}


def closure(files: List[str]) -> Set[str]:
    """Project files (relative paths) that running ``files`` executes: scripts, package
    modules (with their packages' __init__), files they run by path, and the modules
    of the registered functions the configs among ``files`` name."""
    seen: Set[str] = set()
    todo = list(files)
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        path = ROOT / rel
        if rel.endswith(".cfg"):
            for name in REGISTERED.findall(path.read_text(encoding="utf8")):
                todo.append(str(modules()[entry_points()[name]].relative_to(ROOT)))
            continue
        if not rel.endswith(".py"):
            continue
        todo += RUN_BY_PATH.get(rel, [])
        names = set(imports(path))
        if rel.startswith(PACKAGE + "/"):
            names.add(module_name(path))
        for name in names:
            for parent in with_parents(name):
                todo.append(str(modules()[parent].relative_to(ROOT)))
    return seen


def command_roots(command: Dict) -> List[str]:
    """The project files a project.yml command names in its script lines."""
    roots = []
    for line in command.get("script", []):
        roots += re.findall(r"(?:scripts|custom_ner)/[\w/]+\.py|configs/[\w.]+", line)
    return roots


def needed_deps(command: Dict) -> Set[str]:
    return closure(command_roots(command))


def load_project() -> Dict:
    from weasel.util import load_project_config

    return load_project_config(ROOT)


def code_deps(command: Dict) -> Set[str]:
    """The deps of ``command`` that are code or configs."""
    return {d for d in command.get("deps", []) if d.startswith(("scripts/", "custom_ner/", "configs/"))}


if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    for cmd in load_project()["commands"]:
        if wanted and cmd["name"] not in wanted:
            continue
        print(f"{cmd['name']}:")
        for dep in sorted(needed_deps(cmd)):
            print(f'      - "{dep}"')
