"""The package's layout rules, checked on its source (an AST scan of src/foomcalc):

- no import cycle between modules, counting imports inside functions;
- no module imports another module's private (`_name`) helper, by `from m import _x` or
  as `m._x` on an imported module;
- stages in pipeline order: a module imports only the top-level modules (parameters,
  errors, paths) and modules of its own or an earlier stage (ARCHITECTURE.md);
- PyMC, PyTensor, nutpie and pymc_extras are imported only inside `inference`;
- a library's private names (`from lib import _x`, `lib._x`, `lib._mod.x`) and the known
  internals in LIBRARY_INTERNALS are reached only in its adapter (ADAPTERS);
- an import inside a function says why (a comment on it or just above it);
- no module over 400 lines, no function over 60 lines unless listed in LONG_FUNCTIONS.

`scan` and `violations` take any package folder, so the last test plants each kind of
violation in a small package and checks that it is reported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "foomcalc"
#: Stage subpackages in pipeline order: each may import only the earlier ones.
STAGES = ("priors", "evidence", "inference", "takeoff", "analysis", "reporting", "survey",
          "app", "cli")
#: Modules entry points may import from anywhere (they run the command line).
ENTRY_POINTS = ("foomcalc.__main__",)
HEAVY = ("pymc", "pytensor", "nutpie", "pymc_extras")
#: The one place each library's internals may be reached (inference/adapters/).
ADAPTERS = "foomcalc.inference.adapters"
#: Attributes of library objects that are internals though not named with `_`.
LIBRARY_INTERNALS = ("jit_fn", "fgraph", "compiled_pyfunc")
#: Names with a leading `_` that are documented public API.
DOCUMENTED_UNDERSCORE = ("os._exit",)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
#: Functions allowed over MAX_FUNCTION_LINES, with the reason.
LONG_FUNCTIONS: dict[str, str] = {
    "foomcalc.takeoff.kernel._one_draw":
        "the numba kernel's per-draw walk: one loop whose state numba keeps in registers",
}


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    lines: list[str]
    imports: list[tuple[str, str | None, ast.stmt]] = field(default_factory=list)


def module_name(root: Path, path: Path) -> str:
    parts = (root.name, *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts).removesuffix(".__init__")


def scan(root: Path) -> dict[str, Module]:
    """Every module under `root` with its imports: (module, imported name or None, node)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        name = module_name(root, path)
        mod = Module(name, path, ast.parse(text), text.splitlines())
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Import):
                mod.imports += [(a.name, None, node) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                mod.imports += [(base, a.name, node) for a in node.names]
        modules[name] = mod
    return modules


def edges(modules: dict[str, Module]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (a `from pkg import mod` names mod)."""
    out: dict[str, set[str]] = {name: set() for name in modules}
    for name, mod in modules.items():
        for target, attr, _ in mod.imports:
            full = f"{target}.{attr}" if attr and f"{target}.{attr}" in modules else target
            if full in modules and full != name:
                out[name].add(full)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def stage_of(name: str) -> int | None:
    """Index of the module's stage in STAGES; None for a top-level module."""
    parts = name.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def private_uses(modules: dict[str, Module]) -> list[str]:
    """`from m import _x` and `m._x` where m is another module of the package."""
    found = []
    for name, mod in modules.items():
        aliases = {}
        for target, attr, node in mod.imports:
            full = f"{target}.{attr}" if attr and f"{target}.{attr}" in modules else target
            if full not in modules or full == name:
                continue
            if attr and full == target and attr.startswith("_") and not attr.startswith("__"):
                found.append(f"{name} imports {target}.{attr}")
            for alias in node.names:
                bound = alias.asname or (alias.name if attr else alias.name.split(".")[0])
                if (attr and alias.name == attr) or (not attr and alias.name == target):
                    aliases[bound] = full
        for node in ast.walk(mod.tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                found.append(f"{name} uses {aliases[node.value.id]}.{node.attr}")
    return found


def stage_violations(modules: dict[str, Module], graph: dict[str, set[str]]) -> list[str]:
    found = []
    for name, targets in graph.items():
        if name.endswith(ENTRY_POINTS):
            continue
        own = stage_of(name)
        for target in targets:
            theirs = stage_of(target)
            if theirs is not None and (own is None or theirs > own):
                found.append(f"{name} ({STAGES[own] if own is not None else 'top level'}) "
                             f"imports {target} ({STAGES[theirs]}), a later stage")
    return found


def heavy_imports(modules: dict[str, Module]) -> list[str]:
    return sorted({f"{name} imports {target.split('.')[0]}"
                   for name, mod in modules.items() for target, _, _ in mod.imports
                   if target.split(".")[0] in HEAVY and stage_of(name) != STAGES.index(
                       "inference")})


def library_internals(modules: dict[str, Module]) -> list[str]:
    """Private names of other libraries and LIBRARY_INTERNALS, outside ADAPTERS."""
    found = set()
    for name, mod in modules.items():
        if name == ADAPTERS or name.startswith(ADAPTERS + "."):
            continue
        aliases = set()
        for target, attr, node in mod.imports:
            if target.split(".")[0] == mod.name.split(".")[0] or not target:
                continue
            parts = [*target.split("."), *([attr] if attr else [])]
            if any(p.startswith("_") and not p.startswith("__") for p in parts) \
                    or any(p in LIBRARY_INTERNALS for p in parts):
                found.add(f"{name} imports {'.'.join(parts)}")
            for alias in node.names:
                aliases.add(alias.asname or alias.name.split(".")[0])
        for node in ast.walk(mod.tree):
            if not isinstance(node, ast.Attribute):
                continue
            if node.attr in LIBRARY_INTERNALS:
                found.add(f"{name} reaches .{node.attr}")
            elif (isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")
                    and f"{node.value.id}.{node.attr}" not in DOCUMENTED_UNDERSCORE):
                found.add(f"{name} uses {node.value.id}.{node.attr}")
    return sorted(found)


def statement_lists(node: ast.AST):
    """Every list of statements inside `node` (bodies of functions, ifs, loops, trys...)."""
    for child in ast.walk(node):
        for value in vars(child).values():
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value


def unexplained_local_imports(modules: dict[str, Module]) -> list[str]:
    """Imports inside functions (at any depth) without a comment on their lines or the
    line above; a run of consecutive imports shares one comment."""
    found = set()
    for name, mod in modules.items():
        functions = [f for f in ast.walk(mod.tree)
                     if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
        for fn in functions:
            for body in statement_lists(fn):
                run: list[ast.stmt] = []
                for stmt in [*body, None]:
                    if isinstance(stmt, ast.Import | ast.ImportFrom):
                        run.append(stmt)
                        continue
                    if run:
                        first, last = run[0].lineno, run[-1].end_lineno or run[-1].lineno
                        if not any("#" in line for line in mod.lines[max(first - 2, 0):last]):
                            found.add(f"{name}:{first} imports inside a function without a "
                                      "reason")
                    run = []
    return sorted(found)


def oversized(modules: dict[str, Module]) -> list[str]:
    found = [f"{name}: {len(mod.lines)} lines" for name, mod in modules.items()
             if len(mod.lines) > MAX_MODULE_LINES]
    for name, mod in modules.items():
        for fn in ast.walk(mod.tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (fn.end_lineno or fn.lineno) - fn.lineno + 1
                qualified = f"{name}.{fn.name}"
                if length > MAX_FUNCTION_LINES and qualified not in LONG_FUNCTIONS:
                    found.append(f"{qualified}: {length} lines")
    return found


def violations(root: Path) -> dict[str, list[str]]:
    modules = scan(root)
    graph = edges(modules)
    return {
        "cycles": [" <-> ".join(c) for c in cycles(graph)],
        "private": private_uses(modules),
        "stage order": stage_violations(modules, graph),
        "heavy imports": heavy_imports(modules),
        "library internals": library_internals(modules),
        "local imports": unexplained_local_imports(modules),
        "size": oversized(modules),
    }


def test_stages_exist_as_subpackages():
    assert all((PACKAGE / stage / "__init__.py").is_file() for stage in STAGES)
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == ["__init__", "__main__", "errors", "parameters", "paths"]


def test_the_package_follows_its_layout_rules():
    found = violations(PACKAGE)
    assert found == {k: [] for k in found}


def test_long_function_list_is_current():
    modules = scan(PACKAGE)
    for qualified in LONG_FUNCTIONS:
        module, _, function = qualified.rpartition(".")
        assert any(isinstance(f, ast.FunctionDef) and f.name == function
                   for f in ast.walk(modules[module].tree)), qualified


PLANTED = {
    "__init__.py": "",
    "parameters.py": "X = 1\n",
    "priors/__init__.py": "",
    "priors/a.py": "from foomcalc.priors import b\n\ndef _hidden():\n    return 1\n",
    "priors/b.py": ("def f():\n    from foomcalc.priors.a import _hidden\n    return _hidden()\n"),
    "evidence/__init__.py": "",
    "evidence/c.py": "import pymc\nfrom foomcalc.analysis import d\n",
    "priors/e.py": ("import numpy\nfrom scipy._lib import x\n\nY = numpy._core\n\n\n"
                    "def f(fn):\n    return fn.vm.jit_fn\n"),
    "inference/__init__.py": "",
    "inference/adapters/__init__.py": "def f(fn):\n    return fn.maker.fgraph\n",
    "analysis/__init__.py": "",
    "analysis/d.py": ("from foomcalc.priors import a\n\ndef g():\n    return a._hidden()\n"
                      + "\n".join(f"# line {i}" for i in range(401)) + "\n"),
}


def test_each_planted_violation_is_reported(tmp_path):
    root = tmp_path / "foomcalc"
    for rel, text in PLANTED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    found = violations(root)
    assert found["cycles"] == ["foomcalc.priors.a <-> foomcalc.priors.b"]
    assert sorted(found["private"]) == ["foomcalc.analysis.d uses foomcalc.priors.a._hidden",
                                        "foomcalc.priors.b imports foomcalc.priors.a._hidden"]
    assert found["stage order"] == ["foomcalc.evidence.c (evidence) imports "
                                    "foomcalc.analysis.d (analysis), a later stage"]
    assert found["heavy imports"] == ["foomcalc.evidence.c imports pymc"]
    assert found["library internals"] == ["foomcalc.priors.e imports scipy._lib.x",
                                          "foomcalc.priors.e reaches .jit_fn",
                                          "foomcalc.priors.e uses numpy._core"]
    assert found["local imports"] == ["foomcalc.priors.b:2 imports inside a function without "
                                      "a reason"]
    assert found["size"] == ["foomcalc.analysis.d: 405 lines"]
