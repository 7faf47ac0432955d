"""Chapter 7's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch07_variants import WRITTEN_DIFFERENTLY, WRONG
from conftest import SOURCE, cells_by_id, execute_cell

NOTEBOOK = SOURCE / "ch07_transfer" / "ch07_transfer.ipynb"

# The solution cells an exercise's tests need, in notebook order.
NEEDS = {
    "split_digits": ["split_digits"],
    "base_cnn": ["build_base_cnn"],
    "transfer_model": ["build_transfer_model"],
    "unfreeze_top_layers": ["build_transfer_model", "unfreeze_top_layers"],
    "compile_for_fine_tuning": ["compile_for_fine_tuning"],
}
STUBS = {
    "split_digits": "def split_digits(x, y):\n    raise NotImplementedError()\n",
    "build_base_cnn": "def build_base_cnn(input_shape=(28, 28, 1), num_classes=5):\n    raise NotImplementedError()\n",
    "build_transfer_model": "def build_transfer_model(base_model, num_classes):\n    raise NotImplementedError()\n",
    "unfreeze_top_layers": "def unfreeze_top_layers(model, n):\n    raise NotImplementedError()\n",
    "compile_for_fine_tuning": "def compile_for_fine_tuning(model, base_learning_rate):\n"
                               "    raise NotImplementedError()\n",
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
    """Execute the setup cell, the exercise's solution cells (or overrides) and its test cells.

    Returns the namespace and the result of each test cell (what nbgrader reads as its score).
    """
    namespace = {}
    exec(setup_source, namespace)
    for grade_id in NEEDS[exercise]:
        exec((overrides or {}).get(grade_id, cells[grade_id]), namespace)
    results = {which: execute_cell(cells[f"{exercise}_{which}"], namespace) for which in test_cells}
    return namespace, results


def assert_full_marks(results):
    for which, result in results.items():
        assert result.points and result.score == result.points, f"{which}:\n{result.text()}"


@pytest.mark.parametrize("exercise", list(NEEDS))
def test_solution_passes_public_and_hidden_tests(cells, setup_source, exercise):
    assert_full_marks(run(cells, setup_source, exercise)[1])


@pytest.mark.parametrize("exercise", list(NEEDS))
def test_correct_answer_written_differently_passes(cells, setup_source, exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in NEEDS[exercise]}
    assert_full_marks(run(cells, setup_source, exercise, overrides)[1])


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cells, setup_source, cell, source, failing_test, words):
    exercise, which = failing_test.rsplit("_", 1)
    _, results = run(cells, setup_source, exercise, {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", list(NEEDS))
def test_release_stub_fails_cleanly(cells, setup_source, exercise):
    _, results = run(cells, setup_source, exercise, STUBS)
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_every_exercise_has_two_wrong_answers():
    for exercise, solution_cells in NEEDS.items():
        wrong = [w for w in WRONG if w[2].rsplit("_", 1)[0] == exercise]
        assert len(wrong) >= 2, exercise
    assert set(WRITTEN_DIFFERENTLY) == set(STUBS)


@pytest.mark.parametrize("exercise", ["transfer_model", "unfreeze_top_layers"])
def test_nested_feature_extractor_passes(cells, setup_source, exercise):
    """The keras.applications pattern: the feature layers as one nested model called with training=False."""
    from ch07_variants import NESTED

    assert_full_marks(run(cells, setup_source, exercise, NESTED)[1])
