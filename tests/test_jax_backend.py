"""The course on JAX as well as TensorFlow (slow): the same end-to-end grading, in a process whose
``KERAS_BACKEND`` is ``jax`` (kernels and judge inherit it). Every chapter's solution notebook runs
top to bottom in a sandboxed kernel and gets every point of every cell, and the forged chapter 2
still loses its points: ``tests/test_grade_chapters.py``, run again under JAX.

``make test-jax`` runs every chapter's in-process tests under JAX too (the solution, the answers
written differently, the wrong ones): longer, and not part of ``make test``.
"""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def run_under_jax(*pytest_args: str, timeout: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_every_solution_grades_to_full_marks_on_jax():
    pytest.importorskip("jax")
    done = run_under_jax("tests/test_grade_chapters.py", timeout=1800)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout, done.stdout[-3000:]
