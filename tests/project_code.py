"""What code each part of the project runs, read from the source (nothing is imported).

Used by tests/test_layout.py to check the package's layering and that every step of
project.yml (and of the studies' project files) lists the scripts, modules and configs
it runs as deps. Steps list package code by directory (``custom_ner/data``): weasel
hashes every file under a directory dep. Run it to print the deps a step needs:

    python tests/project_code.py [COMMAND ...]
"""
import ast
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "custom_ner"
# project files besides ./project.yml
STUDIES = ("studies/levers",)
# files a module starts by path (a subprocess, streamlit), not by import
RUN_BY_PATH = {
    "custom_ner/apps/demo.py": ["custom_ner/apps/streamlit_app.py"],
    "custom_ner/apps/benchmark.py": ["scripts/annotate.py"],
    "custom_ner/apps/load_benchmark.py": ["scripts/serve.py"],
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
        if not rel.startswith(PACKAGE + "/"):  # a study script imports the modules beside it
            todo += [str(path.parent.relative_to(ROOT) / f"{name}.py") for name in sibling_imports(path)]
        names = set(imports(path))
        if rel.startswith(PACKAGE + "/"):
            names.add(module_name(path))
        for name in names:
            for parent in with_parents(name):
                todo.append(str(modules()[parent].relative_to(ROOT)))
    return seen


def sibling_imports(path: Path) -> List[str]:
    """Top-level modules ``path`` imports that are files in its own directory."""
    tree = ast.parse(path.read_text(encoding="utf8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level]
    return sorted({n for n in names if "." not in n and (path.parent / f"{n}.py").is_file()})


def from_root(path: str, project_dir: Path = ROOT) -> str:
    """A path of a project file (relative to its project directory) relative to the root."""
    full = Path(os.path.normpath(project_dir / path))
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else str(full)


def is_code(path: str) -> bool:
    """Python files, training configs and package directories (not data, not JSON configs)."""
    if not path.startswith(("scripts/", PACKAGE, "configs/", "studies/")):
        return False
    return path.endswith((".py", ".cfg")) or (path.startswith(PACKAGE) and (ROOT / path).is_dir())


def command_roots(command: Dict, project_dir: Path = ROOT) -> List[str]:
    """The code files and configs a command names in its script lines (relative to the root)."""
    roots = []
    for line in command.get("script", []):
        for token in re.findall(r"[\w./${}-]+\.(?:py|cfg)\b", line):
            rel = from_root(token, project_dir)
            if (ROOT / rel).is_file():
                roots.append(rel)
    return roots


def needed_deps(command: Dict, project_dir: Path = ROOT) -> Set[str]:
    return closure(command_roots(command, project_dir))


def load_project(project_dir: Path = ROOT, overrides: Optional[Dict[str, Any]] = None) -> Dict:
    """project.yml with its variables filled in (``{"vars.NAME": value}`` overrides them)."""
    from weasel.util import load_project_config

    return load_project_config(project_dir, overrides=overrides or {})


def projects() -> List[Tuple[Path, Dict]]:
    """The main project and every study, each with its loaded config."""
    return [(d, load_project(d)) for d in (ROOT, *(ROOT / s for s in STUDIES))]


def all_commands() -> List[Tuple[Path, Dict]]:
    return [(d, cmd) for d, config in projects() for cmd in config["commands"]]


def code_deps(command: Dict, project_dir: Path = ROOT) -> Set[str]:
    """The deps of ``command`` that are code or training configs, relative to the root (a
    directory stands for itself)."""
    return {rel for rel in (from_root(d, project_dir) for d in command.get("deps", [])) if is_code(rel)}


def expand(dep: str) -> Set[str]:
    """The Python files a code dep covers: itself, or every module under a directory."""
    path = ROOT / dep
    if path.is_dir():
        return {str(p.relative_to(ROOT)) for p in path.rglob("*.py") if "__pycache__" not in p.parts}
    return {dep}


def by_directory(files: Set[str]) -> List[str]:
    """``files`` as deps: each subpackage of the package as its directory."""
    deps = {"/".join(f.split("/")[:2]) if f.startswith(PACKAGE + "/") and f.count("/") > 1 else f for f in files}
    return sorted(deps)


if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    for project_dir, cmd in all_commands():
        if wanted and cmd["name"] not in wanted:
            continue
        print(f"{cmd['name']} ({project_dir.relative_to(ROOT) or '.'}), relative to the root:")
        for dep in by_directory(needed_deps(cmd, project_dir)):
            print(f'      - "{dep}"')
