"""Run a chapter's exercises in-process, cell by cell, as tests/test_chNN.py do.

``Chapter(notebook, needs)`` reads the instructor's notebook once; ``run(exercise)`` executes its
first code cell (the imports) and the solution cells the exercise needs (or other answers in their
place) in a namespace, then judges its graded test cells as the grader does, and returns what each
test cell ends with: the ``CellResult`` that nbgrader reads as the cell's score.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

import nbformat

from autograder.grading.judge import run_test_cell
from autograder.remote import LocalBridge
from conftest import cells_by_id


def judge_cell(source: str, namespace: dict):
    """A test cell run as the grader runs it: in the judge, the student's names behind a bridge
    (here a local one over ``namespace``, with the same data format as a kernel's)."""
    return run_test_cell(source, LocalBridge(namespace))


SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.S | re.M)


class Chapter:
    def __init__(self, notebook: Path, needs: dict[str, list[str]]):
        self.notebook = notebook
        self.needs = needs  # exercise -> the solution cells its tests need, in notebook order

    @cached_property
    def cells(self) -> dict[str, str]:
        return cells_by_id(self.notebook)

    @cached_property
    def setup_source(self) -> str:
        nb = nbformat.read(self.notebook, as_version=4)
        return next(c.source for c in nb.cells if c.cell_type == "code")

    def exercise_of(self, test_cell: str) -> str:
        """The exercise whose public or hidden cell this is."""
        return next(e for e in self.needs if test_cell in (f"{e}_public", f"{e}_hidden"))

    def run(self, exercise: str, overrides: dict[str, str] | None = None, test_cells=("public", "hidden")):
        """The namespace after the run, and the result of each test cell by "public"/"hidden"."""
        namespace: dict = {}
        exec(self.setup_source, namespace)
        for grade_id in self.needs[exercise]:
            try:
                exec((overrides or {}).get(grade_id, self.cells[grade_id]), namespace)
            except Exception:  # noqa: BLE001 - as nbgrader does, the run goes on past a cell that raises
                pass
        results = {which: judge_cell(self.cells[f"{exercise}_{which}"], namespace) for which in test_cells}
        return namespace, results

    def stub(self, grade_id: str) -> str:
        """What the release holds for a solution cell: every solution region (a class may have one
        per method) replaced by a bare NotImplementedError at the region's indentation."""
        return SOLUTION_REGION.sub(lambda m: f"{m[1]}# YOUR CODE HERE\n{m[1]}raise NotImplementedError()\n",
                                   self.cells[grade_id])


def assert_full_marks(results) -> None:
    for which, result in results.items():
        assert result.points and result.score == result.points, f"{which}:\n{result.text()}"


def standard_tests(chapter: Chapter, written_differently: dict[str, str], wrong: list) -> dict:
    """The tests every chapter runs, for a test module to take in with ``globals().update(...)``:
    the solution and the answers written differently score full marks on the public and hidden
    cells, every solution cell has such an answer, each wrong answer loses points with its
    message, and the release's stubs score 0."""
    import pytest

    @pytest.mark.parametrize("exercise", chapter.needs)
    def test_solution_passes_public_and_hidden_tests(exercise):
        assert_full_marks(chapter.run(exercise)[1])

    @pytest.mark.parametrize("exercise", chapter.needs)
    def test_correct_answer_written_differently_passes(exercise):
        overrides = {cell: written_differently[cell] for cell in chapter.needs[exercise]}
        assert_full_marks(chapter.run(exercise, overrides)[1])

    def test_every_solution_cell_has_a_variant():
        assert set(written_differently) == {c for needs in chapter.needs.values() for c in needs}
        assert all(c in chapter.cells for c in written_differently)

    @pytest.mark.parametrize("cell, source, failing_test, words", wrong,
                             ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(wrong)])
    def test_wrong_answer_fails_with_a_teaching_message(cell, source, failing_test, words):
        which = failing_test.rsplit("_", 1)[1]
        _, results = chapter.run(chapter.exercise_of(failing_test), {cell: source}, (which,))
        result = results[which]
        assert result.score < result.points
        assert words in result.text(), result.text()

    @pytest.mark.parametrize("exercise", chapter.needs)
    def test_release_stubs_score_zero(exercise):
        stubs = {cell: chapter.stub(cell) for cell in chapter.needs[exercise]}
        _, results = chapter.run(exercise, stubs)
        assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
        assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()

    return {test.__name__: test for test in (
        test_solution_passes_public_and_hidden_tests, test_correct_answer_written_differently_passes,
        test_every_solution_cell_has_a_variant, test_wrong_answer_fails_with_a_teaching_message,
        test_release_stubs_score_zero)}
