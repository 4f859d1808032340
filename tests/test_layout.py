"""The shape of the project: layers without cycles, thin scripts, supported spaCy
extension points only, and project.yml deps that list every piece of code a step runs."""
import ast
from pathlib import Path

import pytest

from project_code import PACKAGE, ROOT, all_commands, code_deps, expand, imports, module_name, modules, needed_deps

# lower layers never import upper ones; modules of one layer may import each other
LAYERS = {
    "custom_ner.console": 0, "custom_ner.device": 0, "custom_ner.browser": 0, "custom_ner.workflow": 0,
    "custom_ner.machine": 0, "custom_ner.figures": 0, "custom_ner.data": 0, "custom_ner.formats": 1, "custom_ner.loading": 1, "custom_ner.ticker": 2,
    "custom_ner.training": 3, "custom_ner.tracking": 4,
    "custom_ner.confidence": 3, "custom_ner.evaluation": 4, "custom_ner.apps": 5,
}
# the linker and the confidence component ship inside the wheel on their own: anyone may
# import them, they import no project code
SELF_CONTAINED = ("custom_ner.ticker.linker", "custom_ner.confidence.entity_confidence", "custom_ner.tracking.ner_model")
SCRIPT_FUNCTION_LINES = 25
PRIVATE_ROOTS = ("spacy", "thinc", "weasel", "confection")


def layer(name: str) -> int:
    owner = max((prefix for prefix in LAYERS if name == prefix or name.startswith(prefix + ".")), key=len)
    return LAYERS[owner]


def graph():
    return {name: [m for m in imports(path) if m != name] for name, path in modules().items()}


def python_files():
    return [*sorted((ROOT / PACKAGE).rglob("*.py")), *sorted((ROOT / "scripts").glob("*.py")), *sorted((ROOT / "tests").glob("*.py"))]


def test_the_package_has_no_import_cycles():
    edges = graph()
    state = {}

    def visit(name, path):
        state[name] = "open"
        for dep in edges[name]:
            if state.get(dep) == "open":
                pytest.fail("import cycle: " + " -> ".join([*path, name, dep]))
            if dep not in state:
                visit(dep, [*path, name])
        state[name] = "done"

    for name in edges:
        if name not in state:
            visit(name, [])


def test_lower_layers_never_import_upper_ones():
    packages = {name for name, path in modules().items() if path.name == "__init__.py"}  # they import nothing
    wrong = [f"{name} (layer {layer(name)}) imports {dep} (layer {layer(dep)})"
             for name, deps in graph().items() if name != PACKAGE
             for dep in deps if dep not in SELF_CONTAINED and dep not in packages and layer(dep) > layer(name)]
    assert wrong == []


@pytest.mark.parametrize("module", SELF_CONTAINED)
def test_the_shipped_components_import_no_project_code(module):
    assert imports(modules()[module]) == ()


def test_package_inits_import_nothing_so_steps_depend_only_on_what_they_use():
    inits = [p for p in (ROOT / PACKAGE).rglob("__init__.py")]
    assert inits and all(imports(p) == () for p in inits)


@pytest.mark.parametrize("script", sorted((ROOT / "scripts").glob("*.py")), ids=lambda p: p.name)
def test_scripts_only_parse_arguments_call_the_library_and_print(script):
    text = script.read_text(encoding="utf8")
    tree = ast.parse(text)
    assert "sys.path" not in text and "importlib" not in text
    assert not [n for n in tree.body if isinstance(n, ast.ClassDef)], "classes belong in custom_ner/"
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            lines = body[-1].end_lineno - body[0].lineno + 1
            assert lines <= SCRIPT_FUNCTION_LINES, f"{script.name}:{node.lineno} {node.name}() has {lines} lines of logic"
    used = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in used if m and m.split(".")[0] in ("spacy", "thinc", "srsly")}, "scripts call custom_ner, not spaCy"


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_public_spacy_modules_and_no_patching_of_them(path):
    tree = ast.parse(path.read_text(encoding="utf8"))
    module_names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PRIVATE_ROOTS:
                    assert not any(part.startswith("_") for part in alias.name.split(".")), alias.name
                    module_names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PRIVATE_ROOTS:
            assert not any(part.startswith("_") for part in node.module.split(".")), node.module
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        for target in targets:
            base = target
            while isinstance(base, ast.Attribute):
                base = base.value
            assert not (isinstance(target, ast.Attribute) and isinstance(base, ast.Name) and base.id in module_names), \
                f"{path.name}:{node.lineno} assigns to an attribute of spaCy's modules"


def step_id(item) -> str:
    return item[1]["name"] if item[0] == ROOT else f"{item[0].relative_to(ROOT)}:{item[1]['name']}"


@pytest.mark.parametrize("project_dir,command", all_commands(), ids=[step_id(c) for c in all_commands()])
def test_every_step_lists_the_code_and_configs_it_runs_as_deps(project_dir, command):
    """By directory where a step runs a subpackage: weasel hashes every file under it, so
    editing one module reruns the steps that use its subpackage, and no other."""
    needed, listed = needed_deps(command, project_dir), code_deps(command, project_dir)
    covered = set().union(*(expand(d) for d in listed))
    assert not needed - covered, f"{command['name']}: add to deps {sorted(needed - covered)} (python tests/project_code.py)"
    assert [d for d in listed if not expand(d) & needed] == [], f"{command['name']}: deps it does not run"
    subpackages = {p.parent.name for p in (ROOT / PACKAGE).glob("*/__init__.py")}
    used = {f.split("/")[1] for f in needed if f.startswith(PACKAGE + "/") and f.count("/") > 1}
    assert PACKAGE not in listed or used == subpackages, \
        f"{command['name']}: list the subpackages it uses ({sorted(used)}), not all of {PACKAGE}/"
    missing = [d for d in command.get("deps", []) if d.startswith(("scripts/", "custom_ner/", "configs/"))
               and not (project_dir / d).exists()]
    assert missing == []


def test_every_package_module_is_run_by_some_step_or_app():
    used = set().union(*(needed_deps(c, d) for d, c in all_commands()))
    unused = [str(p.relative_to(ROOT)) for p in modules().values() if str(p.relative_to(ROOT)) not in used]
    assert unused == [], "modules no step runs (dead code?)"


MAX_POSITIONAL = 6


def test_no_function_of_the_package_takes_more_than_six_positional_parameters():
    """Longer option lists travel as a frozen dataclass (``Limits``, ``AnnotateOptions``)
    or as keyword-only parameters."""
    long = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if len([n for n in names if n not in ("self", "cls")]) > MAX_POSITIONAL:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert long == []


def test_module_names_resolve_to_files():
    assert module_name(ROOT / PACKAGE / "data" / "__init__.py") == "custom_ner.data"
    assert Path(modules()["custom_ner.ticker.linker"]).name == "linker.py"


def test_no_code_or_config_is_ignored_by_git():
    """A file .gitignore hides works here and is missing from every fresh clone."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = [str(p.relative_to(ROOT)) for folder in (PACKAGE, "scripts", "configs", "tests", "docs")
             for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    result = subprocess.run(["git", "check-ignore", "--no-index", *files], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.split() == []


def test_the_step_list_in_docs_is_what_spacy_project_document_makes():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "spacy", "project", "document", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (ROOT / "docs" / "project.md").read_text(encoding="utf8").strip() == result.stdout.strip(), \
        "regenerate it: python -m spacy project document . --output docs/project.md"
