"""What students' images hold: autograder/ without autograder/grading/.

The hidden tests' own helpers live in autograder/grading/hidden/ (grader only); what a public test
uses stays in autograder/exercises/, which students' images hold. These tests keep that split: no
public part of a notebook and no student-side module imports the grading package, every name the
hidden cells still import from autograder.exercises is one the public side uses, and the kernel's
modules, the public tests and check() import with autograder.grading missing.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import CHAPTER_NOTEBOOKS, ROOT

PACKAGE = ROOT / "autograder"
NOTEBOOKS = CHAPTER_NOTEBOOKS
HIDDEN_REGION = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS\n(.*?)^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)

# The grader's entry points: the only modules outside autograder/grading/ that may import it.
# autograder/instructor/ (passback, similarity, extensions) is the instructor's and, like grading/,
# never in a student's image (docker/student.Dockerfile).
GRADER_SIDE = {"cli.py"}
GRADER_PACKAGES = {"grading", "instructor"}


def _python(source: str) -> ast.Module:
    """A cell's source as Python (IPython's magics and shell escapes turned into calls)."""
    try:
        return ast.parse(source)
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))


def _imported_modules(tree: ast.AST, package: str = "") -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) for every import in ``tree``; relative imports are
    resolved against ``package`` (the dotted package of the module the tree comes from)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names], node.lineno))
    return found


def _grading_imports(tree: ast.AST, package: str = "") -> list[tuple[str, int]]:
    """(module, line) for every import of autograder.grading or a module in it; ``from autograder
    import grading`` counts, as it imports the package under a name."""
    found = []
    for module, names, line in _imported_modules(tree, package):
        targets = [module] if _in_grading(module) else [f"{module}.{name}" for name in names]
        found += [(target, line) for target in targets if _in_grading(target)]
    return found


def _in_grading(module: str) -> bool:
    return module == "autograder.grading" or module.startswith("autograder.grading.")


def _student_side() -> list[Path]:
    """The modules a student's image holds that are not the grader's entry points."""
    paths = [(path, path.relative_to(PACKAGE)) for path in sorted(PACKAGE.rglob("*.py"))]
    return [path for path, relative in paths
            if relative.parts[0] not in GRADER_PACKAGES and relative.as_posix() not in GRADER_SIDE]


def _split_cells(notebook: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(cell id, public source) for every code cell, hidden regions cut out, and (cell id, hidden
    region source) for every hidden region."""
    public, hidden = [], []
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        where = f"{notebook.name} cell {cell.get('id', index)}"
        hidden += [(where, m[1]) for m in HIDDEN_REGION.finditer(cell.source)]
        public.append((where, HIDDEN_REGION.sub("", cell.source)))
    return public, hidden


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_public_parts_of_notebooks_import_nothing_from_grading(notebook):
    """Outside the hidden regions, which the release strips, a notebook is what students run."""
    public, _ = _split_cells(notebook)
    trees = [(where, _python(source)) for where, source in public]
    assert any(module.startswith("autograder") for _, tree in trees for module, _, _ in _imported_modules(tree)), (
        f"{notebook.name}: no autograder import found outside hidden regions (is the parser right?)")
    bad = [f"{where}, line {line}: {module}" for where, tree in trees for module, line in _grading_imports(tree)]
    assert not bad, "public parts of a notebook import the grader-only package:\n" + "\n".join(bad)
    texts = [where for where, source in public if "autograder.grading" in source]
    assert not texts, f"public parts of a notebook name autograder.grading: {texts}"


def _package_of(path: Path) -> tuple[str, str]:
    """(dotted module, dotted package) of a file under autograder/."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def test_only_the_graders_entry_points_import_the_grading_package():
    """Every module a student's image holds must import without autograder/grading/."""
    offenders = []
    for path in _student_side():
        module, package = _package_of(path)
        for imported, line in _grading_imports(ast.parse(path.read_text(), str(path)), package):
            offenders.append(f"{module} ({path.relative_to(ROOT)}, line {line}) imports {imported}")
    assert not offenders, ("only autograder/grading/ itself and " + ", ".join(sorted(GRADER_SIDE))
                           + " may import autograder.grading:\n" + "\n".join(offenders))


def _top_level_names(tree: ast.Module) -> dict[str, ast.stmt]:
    """Each name a module defines at top level (def, class, assignment) and the statement doing it."""
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update({n.id: node for n in ast.walk(target) if isinstance(n, ast.Name)})
    return names


def _references(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_public_test(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "public_test"
        for d in node.decorator_list)


def _used_by_the_public_side(chapter: str) -> set[str]:
    """The top-level names of autograder/exercises/<chapter>.py that the public side reaches."""
    tree = ast.parse((PACKAGE / "exercises" / f"{chapter}.py").read_text())
    defined = _top_level_names(tree)
    roots = {name for name, node in defined.items() if _is_public_test(node)}
    # Module-level code that is not a definition runs on import: e.g. ch02's _register(...) calls,
    # which register public tests built by a factory.
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign,
                                 ast.AugAssign, ast.Import, ast.ImportFrom)):
            roots |= _references(node) & set(defined)
    # Other student-side modules that import from the chapter (probe_library, gpu_check, ...).
    for path in _student_side():
        if path.relative_to(PACKAGE).parts[0] == "exercises":
            continue
        _, package = _package_of(path)
        for imported, names, _ in _imported_modules(ast.parse(path.read_text()), package):
            if imported == f"autograder.exercises.{chapter}":
                roots |= set(names) & set(defined)
    reached, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += [n for n in _references(defined[name]) if n in defined and n not in reached]
    return reached


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_hidden_cells_import_from_exercises_only_what_the_public_side_uses(notebook):
    """A name the hidden cells import from ``autograder.exercises.<chapter>`` must be used by the
    public side, or it belongs in ``autograder.grading.hidden.<chapter>``.

    "Used" is reachability, per chapter module: start from its ``@public_test`` functions, its
    module-level statements that are not definitions (they run on import, as ch02's ``_register``
    calls do, which register public tests made by a factory) and the names other student-side
    modules import from it (``probe_library`` and the like); then follow every name a reached
    top-level definition mentions (its body, defaults and decorators) to the module's top-level
    definition of that name. The rule over-approximates what is used (a mention in a branch that
    never runs counts), so it may let a hidden-only helper stay but never asks to move one that a
    public test needs. Names the hidden cells import from either module must also exist there.
    """
    chapter = notebook.stem
    _, hidden = _split_cells(notebook)
    assert hidden, f"{notebook.name} has no hidden regions"
    exercises_module, hidden_module = f"autograder.exercises.{chapter}", f"autograder.grading.hidden.{chapter}"
    wanted: dict[str, set[str]] = {exercises_module: set(), hidden_module: set()}
    for where, source in hidden:
        for module, names, line in _imported_modules(_python(source)):
            if module.startswith(("autograder.exercises.", "autograder.grading")) and module not in wanted:
                raise AssertionError(f"{where}, line {line}: the hidden tests of {chapter} import from {module}")
            if module in wanted:
                wanted[module] |= set(names)
    used = _used_by_the_public_side(chapter)
    hidden_only = sorted(wanted[exercises_module] - used)
    assert not hidden_only, (f"{notebook.name}: the hidden tests import {hidden_only} from {exercises_module}, "
                             f"but no public test uses them: move them to autograder/grading/hidden/{chapter}.py")
    for module, names in wanted.items():
        if names:
            path = PACKAGE.parent.joinpath(*module.split(".")).with_suffix(".py")
            missing = sorted(names - set(_top_level_names(ast.parse(path.read_text()))) - _imported_names(path))
            assert not missing, f"{notebook.name}: the hidden tests import {missing} from {module}, which has none"


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {alias.asname or alias.name for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names}


STUDENT_SIDE_IMPORTS = r'''
import importlib, pkgutil, sys

class NoGrading:
    """What a student's image is like: autograder/grading/ is not there."""
    def find_spec(self, name, path=None, target=None):
        if name == "autograder.grading" or name.startswith("autograder.grading."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoGrading())
from autograder import check
import autograder.checks, autograder.exercises
for package in (autograder.checks, autograder.exercises):
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
for name in ("data", "probes", "probe_library", "remote", "student", "testcell", "wire"):
    importlib.import_module(f"autograder.{name}")
print(len(autograder.exercises.exercise_ids()))
'''


def test_the_student_side_imports_without_the_grading_package():
    """The kernel's modules, the public tests and check() import when autograder.grading cannot."""
    done = subprocess.run([sys.executable, "-c", STUDENT_SIDE_IMPORTS], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 0


def test_keras_course_works_without_the_grader_packages(tmp_path):
    """A student's image has neither autograder/grading nor autograder/instructor: its keras-course
    still builds its commands (check, start, translate), without the grader's verbs."""
    import subprocess
    import sys

    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith(('autograder.grading', 'autograder.instructor')):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "autograder", "--help"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and "start" in done.stdout
    assert "passback" not in done.stdout and "grade" not in done.stdout.split("{", 1)[1].split("}", 1)[0].split(",")
