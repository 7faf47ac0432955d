"""Chapter 3's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import re

import pytest

from ch03_variants import WRITTEN_DIFFERENTLY, WRONG
from conftest import SOURCE, cells_by_id, execute_cell

NOTEBOOK = SOURCE / "ch03_training" / "ch03_training.ipynb"

# Every exercise is one function in one solution cell of the same name.
EXERCISES = [
    "sgd_step", "rmsprop_step", "adagrad_step", "adadelta_step", "adam_step",
    "mean_squared_error", "binary_crossentropy", "categorical_crossentropy", "hinge", "squared_hinge",
    "categorical_accuracy", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "mean_squared_logarithmic_error", "compile_for_task",
]


@pytest.fixture(scope="module")
def cells():
    return cells_by_id(NOTEBOOK)


@pytest.fixture(scope="module")
def setup_source():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def run(cells, setup_source, exercise, source=None, test_cells=("public", "hidden")):
    """Execute the setup cell, the exercise's solution cell (or ``source``) and its test cells."""
    namespace = {}
    exec(setup_source, namespace)
    exec(source if source is not None else cells[exercise], namespace)
    return {which: execute_cell(cells[f"{exercise}_{which}"], namespace) for which in test_cells}


def assert_full_marks(results):
    for which, result in results.items():
        assert result.points and result.score == result.points, f"{which}:\n{result.text()}"


def stub(solution_source: str) -> str:
    """The release version of a solution cell: its region replaced as nbgrader does."""
    return re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", "raise NotImplementedError()",
                  solution_source, flags=re.S)


def test_every_exercise_has_variants_and_two_wrong_answers(cells):
    solutions = {gid for gid in cells if not gid.endswith(("_public", "_hidden"))}
    assert solutions == set(EXERCISES)
    assert set(WRITTEN_DIFFERENTLY) == solutions
    for exercise in EXERCISES:
        assert sum(cell == exercise for cell, *_ in WRONG) >= 2, exercise


@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_passes_public_and_hidden_tests(cells, setup_source, exercise):
    assert_full_marks(run(cells, setup_source, exercise))


@pytest.mark.parametrize("exercise", EXERCISES)
def test_correct_answer_written_differently_passes(cells, setup_source, exercise):
    assert_full_marks(run(cells, setup_source, exercise, WRITTEN_DIFFERENTLY[exercise]))


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cells, setup_source, cell, source, failing_test, words):
    which = failing_test.rsplit("_", 1)[1]
    result = run(cells, setup_source, cell, source, (which,))[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_release_stub_scores_zero(cells, setup_source, exercise):
    results = run(cells, setup_source, exercise, stub(cells[exercise]))
    assert all(result.score == 0 for result in results.values()), {w: r.text() for w, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_a_slip_costs_a_share():
    """Adam with the textbook epsilon placement passes the public check and loses only the hidden
    tests where epsilon matters."""
    cells = cells_by_id(NOTEBOOK)
    import nbformat

    setup = next(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code")
    textbook = next(source for cell, source, test, _ in WRONG if cell == "adam_step" and test == "adam_step_hidden")
    results = run(cells, setup, "adam_step", textbook)
    assert results["public"].score == results["public"].points
    assert 0 < results["hidden"].score < results["hidden"].points
