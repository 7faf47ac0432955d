"""Run a chapter's exercises in-process, cell by cell, as tests/test_chNN.py do.

``Chapter(notebook, needs)`` reads the instructor's notebook once; ``run(exercise)`` executes its
first code cell (the imports), the solution cells the exercise needs (or other answers in their
place) and its graded test cells, and returns what each test cell ends with: the ``CellResult``
that nbgrader reads as the cell's score.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import nbformat

from conftest import cells_by_id, execute_cell


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
            exec((overrides or {}).get(grade_id, self.cells[grade_id]), namespace)
        results = {which: execute_cell(self.cells[f"{exercise}_{which}"], namespace) for which in test_cells}
        return namespace, results

    def stub(self, grade_id: str) -> str:
        """What the release holds for a solution cell: the code above the solution region, then a
        bare NotImplementedError as nbgrader writes it."""
        source = self.cells[grade_id]
        above, _, rest = source.partition("### BEGIN SOLUTION")
        begin_line = above.splitlines()[-1] if not above.endswith("\n") else ""
        indent = begin_line  # the whitespace before the marker, as nbgrader keeps it
        return above[: len(above) - len(begin_line)] + f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()\n"


def assert_full_marks(results) -> None:
    for which, result in results.items():
        assert result.points and result.score == result.points, f"{which}:\n{result.text()}"
