"""Chapter 5's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch05_variants import WRITTEN_DIFFERENTLY, WRONG
from conftest import SOURCE, cells_by_id

NOTEBOOK = SOURCE / "ch05_cnn" / "ch05_cnn.ipynb"

# The solution cells an exercise's tests need, in notebook order.
NEEDS = {
    "lenet5": ["build_lenet5"],
    "train_lenet": ["build_lenet5", "load_data", "train_lenet"],
    "plot_history": ["plot_history"],
    "alexnet": ["build_alexnet"],
    "vgg_block": ["vgg_block"],
    "vgg": ["vgg_block", "build_vgg"],
}
FAST = ["lenet5", "plot_history", "alexnet", "vgg_block", "vgg"]


@pytest.fixture(scope="module")
def cells():
    return cells_by_id(NOTEBOOK)


@pytest.fixture(scope="module")
def setup_source():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def run(cells, setup_source, exercise, overrides=None, test_cells=("public", "hidden")):
    """Execute the setup cell, the exercise's solution cells (or overrides) and its tests."""
    namespace = {}
    exec(setup_source, namespace)
    for grade_id in NEEDS[exercise]:
        exec((overrides or {}).get(grade_id, cells[grade_id]), namespace)
    for which in test_cells:
        exec(cells[f"{exercise}_{which}"], namespace)
    return namespace


@pytest.mark.parametrize("exercise", FAST)
def test_solution_passes_public_and_hidden_tests(cells, setup_source, exercise):
    run(cells, setup_source, exercise)


@pytest.mark.parametrize("exercise", FAST)
def test_correct_answer_written_differently_passes(cells, setup_source, exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in NEEDS[exercise]}
    run(cells, setup_source, exercise, overrides)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["solution", "written differently"])
def test_training_exercise_passes(cells, setup_source, variant):
    overrides = {"train_lenet": WRITTEN_DIFFERENTLY["train_lenet"]} if variant != "solution" else None
    namespace = run(cells, setup_source, "train_lenet", overrides)
    assert namespace["test_accuracy"] >= 0.90


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cells, setup_source, capsys, cell, source,
                                                    failing_test, words):
    exercise, which = failing_test.rsplit("_", 1)
    test_cells = ("public",) if which == "public" else ("hidden",)
    with pytest.raises(AssertionError) as failure:
        run(cells, setup_source, exercise, {cell: source}, test_cells)
    # A public check prints its messages and raises a one-line CheckFailed; a hidden test raises
    # the message itself.
    shown = capsys.readouterr().out + str(failure.value)
    assert words in shown, shown


def test_release_stub_fails_cleanly(cells, setup_source, capsys):
    stub = "def build_lenet5(input_shape=(32, 32, 1), num_classes=10):\n    raise NotImplementedError()\n"
    with pytest.raises(AssertionError):
        run(cells, setup_source, "lenet5", {"build_lenet5": stub}, ("public",))
    assert "fill in the cells marked YOUR CODE HERE" in capsys.readouterr().out
