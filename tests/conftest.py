"""Shared paths and helpers for the tests."""

import ast
import os
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
SOURCE = ROOT / "source"
# The instructor's notebooks, one per chapter as course.toml names them: not a glob of source/,
# where `keras-course release --lang all` also builds each translation (source/<id>_zh_CN/).
CHAPTER_NOTEBOOKS = sorted(SOURCE / chapter["id"] / f"{chapter['id']}.ipynb"
                           for chapter in tomllib.loads((COURSE / "course.toml").read_text())["chapters"])

# Tests never try to download MNIST: the offline fallback is what CI has anyway.
os.environ.setdefault("KERAS_COURSE_DATA", "digits")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if os.environ.get("KERAS_BACKEND") == "jax":  # as the grading workers do (worker.JAX_XLA_FLAGS)
    os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=1")


def copy_course(dest: Path) -> Path:
    """A private copy of course/, source/ and translations/ under ``dest``, without runtime folders."""
    shutil.copytree(COURSE, dest / "course", ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db", "__pycache__",
        "lms_launches.*", "late_days.json", "reports"))
    shutil.copytree(SOURCE, dest / "source", ignore=shutil.ignore_patterns("*_zh_CN"))
    shutil.copytree(ROOT / "translations", dest / "translations")
    return dest / "course"


def graded_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def cells_by_id(notebook_path: Path) -> dict[str, str]:
    """Source of every nbgrader cell (solution, test, locked), by grade id."""
    nb = nbformat.read(notebook_path, as_version=4)
    return {graded_id(c): c.source for c in nb.cells if graded_id(c)}


@pytest.fixture(scope="session")
def ch05_notebook() -> Path:
    return SOURCE / "ch05_cnn" / "ch05_cnn.ipynb"


def execute_cell(source: str, namespace: dict):
    """Run a cell's source as IPython would and return the value of its last expression, if any.

    A graded test cell ends with ``hidden.score()`` or ``check(..., points=N)``: that value is
    what nbgrader reads as the cell's score.
    """
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    return None
