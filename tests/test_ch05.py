"""Chapter 5's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import warnings

import pytest

from ch05_variants import WRITTEN_DIFFERENTLY, WRITTEN_DIFFERENTLY_OLD_STYLE, WRONG
from chapter_cells import judge_cell
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
    "save_and_load": ["save_model_files", "load_for_inference"],
    "looking_inside": ["confusion_matrix", "first_conv_feature_maps"],
}
FAST = ["lenet5", "plot_history", "alexnet", "vgg_block", "vgg", "save_and_load", "looking_inside"]


@pytest.fixture(scope="module")
def cells():
    return cells_by_id(NOTEBOOK)


@pytest.fixture(scope="module")
def setup_source():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def run(cells, setup_source, exercise, overrides=None, test_cells=("public", "hidden")):
    """Execute the setup cell and the exercise's solution cells (or overrides); judge its test cells as
    the grader does (chapter_cells.judge_cell).

    Returns the namespace and the result of each test cell (what nbgrader reads as its score).
    """
    namespace = {}
    exec(setup_source, namespace)
    for grade_id in NEEDS[exercise]:
        exec((overrides or {}).get(grade_id, cells[grade_id]), namespace)
    results = {which: judge_cell(cells[f"{exercise}_{which}"], namespace) for which in test_cells}
    return namespace, results


def assert_full_marks(results):
    for which, result in results.items():
        assert result.points and result.score == result.points, f"{which}:\n{result.text()}"


@pytest.mark.parametrize("exercise", FAST)
def test_solution_passes_public_and_hidden_tests(cells, setup_source, exercise):
    assert_full_marks(run(cells, setup_source, exercise)[1])


@pytest.mark.parametrize("exercise", FAST)
def test_correct_answer_written_differently_passes(cells, setup_source, exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in NEEDS[exercise]}
    assert_full_marks(run(cells, setup_source, exercise, overrides)[1])


@pytest.mark.parametrize("exercise", ["vgg_block", "vgg"])
def test_old_style_vgg_gets_full_marks_without_a_warning_leaking(cells, setup_source, exercise):
    """ZeroPadding2D((1, 1)) before "valid" convs, input_shape= on a Sequential's first layer:
    Keras 3 warns while the graded cells build it, and nbgrader scores a cell 0 for stderr."""
    overrides = {cell: WRITTEN_DIFFERENTLY_OLD_STYLE[cell] for cell in NEEDS[exercise]}
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        results = run(cells, setup_source, exercise, overrides)[1]
    assert_full_marks(results)
    assert [str(w.message) for w in leaked] == []


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["solution", "written differently"])
def test_training_exercise_passes(cells, setup_source, variant):
    overrides = {"train_lenet": WRITTEN_DIFFERENTLY["train_lenet"]} if variant != "solution" else None
    namespace, results = run(cells, setup_source, "train_lenet", overrides)
    assert_full_marks(results)
    assert namespace["test_accuracy"] >= 0.90


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cells, setup_source, cell, source, failing_test, words):
    exercise, which = failing_test.rsplit("_", 1)
    _, results = run(cells, setup_source, exercise, {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


def test_release_stub_fails_cleanly(cells, setup_source):
    stub = "def build_lenet5(input_shape=(32, 32, 1), num_classes=10):\n    raise NotImplementedError()\n"
    _, results = run(cells, setup_source, "lenet5", {"build_lenet5": stub})
    assert all(result.score == 0 for result in results.values())
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_release_stubs_of_saving_score_zero(cells, setup_source):
    stubs = {"save_model_files": "def save_model_files(model, folder):\n    raise NotImplementedError()\n",
             "load_for_inference": "def load_for_inference(path, trusted=False):\n    raise NotImplementedError()\n"}
    _, results = run(cells, setup_source, "save_and_load", stubs)
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_a_naming_slip_costs_only_the_naming_tests(cells, setup_source):
    """Files saved as model.keras and model.weights.h5 whatever the model's name load back fine: the
    slip loses the naming test of each cell, not the round trips."""
    slip = next(source for cell, source, _, words in WRONG if words == "model.name")
    _, results = run(cells, setup_source, "save_and_load", {"save_model_files": slip})
    earned = sum(r.score for r in results.values())
    possible = sum(r.points for r in results.values())
    assert possible * 0.6 <= earned < possible
    for result in results.values():
        assert [o.passed for o in result.outcomes].count(False) == 1, result.text()


def test_small_slip_costs_a_small_share(cells, setup_source):
    """A VGG that is right but for raising KeyError instead of ValueError for a bad depth keeps
    most of its points: only the depth tests fail."""
    slip = WRITTEN_DIFFERENTLY["build_vgg"].replace("raise ValueError(", "raise KeyError(")
    assert slip != WRITTEN_DIFFERENTLY["build_vgg"]
    _, results = run(cells, setup_source, "vgg", {"build_vgg": slip})
    earned = sum(r.score for r in results.values())
    possible = sum(r.points for r in results.values())
    assert possible * 0.6 <= earned < possible
    assert "raised KeyError, expected ValueError" in results["hidden"].text()


def test_one_wrong_dropout_rate_costs_the_settings_share_only(cells, setup_source):
    """An AlexNet right but for one Dropout rate (0.4 instead of 0.5) loses the settings test of
    each cell (a quarter of each), and says which layer."""
    right = WRITTEN_DIFFERENTLY["build_alexnet"]
    slip = right.replace("Dropout(rate=0.5)", "Dropout(rate=0.4)", 1)
    assert slip != right
    _, results = run(cells, setup_source, "alexnet", {"build_alexnet": slip})
    assert results["public"].score == 1.5 and results["hidden"].score == 2.25, \
        (results["public"].text(), results["hidden"].text())
    for result in results.values():
        assert [o.passed for o in result.outcomes] == [True, False, True, True]
        assert "expected Dropout with rate 0.5, found rate 0.4" in result.text()
