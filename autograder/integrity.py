"""Is the grading code still the grading code? A check against notebooks that fake a pass.

Tests run in the student's kernel, so a notebook can redefine ``check``, an assertion helper or
``numpy.testing.assert_allclose`` to pass whatever it is given. ``find_replacements`` looks for
that: every function and class of the ``autograder`` package and of ``numpy.testing`` must still be
the one defined in its own package file, and the names a notebook imported from them (``check``,
``TestCell``, ``assert_matches_spec``, ...) must still be those objects. Graded cells run it
(``TestCell()`` and ``check(..., points=N)``), and the grader runs it again after each graded
cell; a replacement costs the cell its points with the message "grading code was replaced in this
notebook: ...". It catches a notebook that patches the grading code, not a determined attacker
with the same interpreter: the sandbox, not this check, is the security boundary.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

PACKAGES = ("autograder", "numpy.testing")
MESSAGE = "grading code was replaced in this notebook: "
WATCHED_NAMES = ("check", "TestCell", "run_public_checks")
# Weight of the failed outcome that a replacement adds: the cell's other tests then earn nothing.
TAMPER_WEIGHT = 1e9


def _package_root(name: str) -> Path | None:
    module = sys.modules.get(name)
    return Path(module.__file__).resolve().parent if getattr(module, "__file__", None) else None


def _code_file(function) -> str:
    return inspect.unwrap(function).__code__.co_filename


def _genuine_code(function, roots: list[Path]) -> bool:
    """Defined in a file of an installed package or the standard library, not in a notebook cell."""
    path = Path(_code_file(function))
    if not path.is_file():  # <ipython-input-...>, <string>: code typed or exec'd in a notebook
        return False
    resolved = path.resolve()
    return "site-packages" in resolved.parts or any(resolved.is_relative_to(root) for root in roots)


def _genuine(obj, roots: list[Path]) -> bool:
    if inspect.isfunction(obj):
        return _genuine_code(obj, roots)
    if inspect.isclass(obj):  # methods made by exec (dataclasses' __init__: "<string>") are left out
        return obj.__module__ != "__main__" and all(
            _genuine_code(f, roots) for f in vars(obj).values()
            if inspect.isfunction(f) and not _code_file(f).startswith("<"))
    return True  # builtins and C functions cannot be defined in a notebook


def _grading_modules() -> list:
    return [module for name, module in list(sys.modules.items())
            if module is not None and any(name == p or name.startswith(p + ".") for p in PACKAGES)]


def find_replacements(namespace: dict | None = None) -> list[str]:
    """What was replaced: ``module.name`` entries, and notebook names bound to something else."""
    roots = [root for root in map(_package_root, ("autograder", "numpy")) if root]
    roots.append(Path(inspect.__file__).resolve().parent)  # the standard library
    found = []
    for module in _grading_modules():
        for name, obj in list(vars(module).items()):
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and not _genuine(obj, roots):
                found.append(f"{module.__name__}.{name}")
    for name, obj in (namespace or {}).items():
        origin = _imported_from(name, obj)
        if origin is not None and not _genuine(obj, roots):
            found.append(f"{name} (defined in the notebook, not imported from {origin})")
    return sorted(set(found))


def _imported_from(name: str, obj) -> str | None:
    """The grading module that owns ``name``, when the notebook's ``name`` should be that object.

    Only the names notebooks import from the grading code: a student's own helper that happens
    to share a name with one of ours (``conv``, ``dense``) is theirs to define.
    """
    if name not in WATCHED_NAMES and not name.startswith("assert_"):
        return None
    for module in _grading_modules():
        if name in vars(module) and not name.startswith("_") and vars(module)[name] is not obj:
            if inspect.isfunction(vars(module)[name]) or inspect.isclass(vars(module)[name]):
                return module.__name__
    return None


def _notebook_globals() -> dict:
    """The globals of the first caller outside this package: the notebook's, in a kernel."""
    frame = inspect.currentframe()
    here = Path(__file__).resolve().parent
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (Path(filename).is_file() and Path(filename).resolve().is_relative_to(here)):
            return frame.f_globals
        frame = frame.f_back
    return {}


def mark_if_replaced(outcomes: list, namespace: dict | None = None) -> None:
    """Add a failed outcome that outweighs every test when grading code was replaced (never raises)."""
    try:
        found = find_replacements(_notebook_globals() if namespace is None else namespace)
    except Exception as error:  # the check itself broke: that is tampering too, or a bug; say so
        found = [f"the integrity check failed ({type(error).__name__})"]
    if found:
        from .testcell import Outcome

        outcomes.insert(0, Outcome("integrity", "the grading code is the course's own", False,
                                   MESSAGE + ", ".join(found), TAMPER_WEIGHT))


# Run by the grader after each graded cell, in the kernel, not shown, without leaving names behind.
PROBE_EXPRESSION = "__import__('autograder.integrity', fromlist=['_']).find_replacements(globals())"
