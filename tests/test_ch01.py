"""Chapter 1's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import keras
import pytest

from ch01_variants import WRITTEN_DIFFERENTLY, WRONG
from conftest import SOURCE, cells_by_id, execute_cell

NOTEBOOK = SOURCE / "ch01_setup" / "ch01_setup.ipynb"

# The solution cells an exercise's tests need, in notebook order.
NEEDS = {
    "environment_report": ["environment_report"],
    "keras_config": ["keras_config"],
    "build_first_model": ["build_first_model"],
    "reproducible_weights": ["build_first_model", "reproducible_weights"],
}
STUBS = {
    "environment_report": "def environment_report():\n    raise NotImplementedError()\n",
    "keras_config": ('def keras_config(backend="tensorflow", floatx="float32", '
                     'image_data_format="channels_last", epsilon=1e-07):\n    raise NotImplementedError()\n'),
    "build_first_model": ("def build_first_model(input_dim, num_classes, hidden_units=64):\n"
                          "    raise NotImplementedError()\n"),
    "reproducible_weights": "def reproducible_weights(seed):\n    raise NotImplementedError()\n",
}


@pytest.fixture(scope="module")
def cells():
    return cells_by_id(NOTEBOOK)


@pytest.fixture(scope="module")
def setup_source():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def run(cells, setup_source, exercise, overrides=None, test_cells=("public", "hidden")):
    namespace = {}
    exec(setup_source, namespace)
    for grade_id in NEEDS[exercise]:
        exec((overrides or {}).get(grade_id, cells[grade_id]), namespace)
    results = {which: execute_cell(cells[f"{exercise}_{which}"], namespace) for which in test_cells}
    return namespace, results


def assert_full_marks(results):
    for which, result in results.items():
        assert result.points and result.score == result.points, f"{which}:\n{result.text()}"


@pytest.mark.parametrize("exercise", NEEDS)
def test_solution_passes_public_and_hidden_tests(cells, setup_source, exercise):
    assert_full_marks(run(cells, setup_source, exercise)[1])


@pytest.mark.parametrize("exercise", NEEDS)
def test_correct_answer_written_differently_passes(cells, setup_source, exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in NEEDS[exercise]}
    assert_full_marks(run(cells, setup_source, exercise, overrides)[1])


def test_every_solution_cell_has_a_variant(cells):
    assert set(WRITTEN_DIFFERENTLY) == {c for needs in NEEDS.values() for c in needs}
    assert all(c in cells for c in WRITTEN_DIFFERENTLY)


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cells, setup_source, cell, source, failing_test, words):
    exercise, which = failing_test.rsplit("_", 1)
    _, results = run(cells, setup_source, exercise, {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", NEEDS)
def test_release_stub_scores_zero(cells, setup_source, exercise):
    _, results = run(cells, setup_source, exercise, {exercise: STUBS[exercise]})
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_hidden_tests_leave_keras_settings_as_they_were(cells, setup_source):
    run(cells, setup_source, "environment_report")
    assert keras.config.floatx() == "float32"
    assert keras.config.image_data_format() == "channels_last"
