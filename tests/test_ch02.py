"""Chapter 2's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch02_variants import WRITTEN_DIFFERENTLY, WRONG
from conftest import SOURCE, cells_by_id, execute_cell

NOTEBOOK = SOURCE / "ch02_layers" / "ch02_layers.ipynb"

# The solution cells an exercise's tests need, in notebook order.
NEEDS = {
    "output_shapes": ["conv2d_output_shape", "pool2d_output_shape"],
    "param_counts": ["dense_params", "conv2d_params", "rnn_params"],
    "squashing_activations": ["sigmoid", "hard_sigmoid", "tanh", "softsign"],
    "rectifier_activations": ["relu", "linear", "softplus", "elu", "selu"],
    "softmax": ["softmax"],
    "residual_dense_block": ["residual_dense_block"],
    "two_branch_model": ["build_two_branch_model"],
    "sequence_classifier": ["build_sequence_classifier"],
}


def stub(source: str) -> str:
    """The release's version of a solution cell: its signature, docstring and a bare raise."""
    lines = source.split("### BEGIN SOLUTION")[0].rstrip().splitlines()
    indent = " " * (len(lines[-1]) - len(lines[-1].lstrip()))
    return "\n".join(lines) + f"\n{indent}raise NotImplementedError()\n"


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
    exercise = next(e for e in NEEDS if failing_test in (f"{e}_public", f"{e}_hidden"))
    which = failing_test.rsplit("_", 1)[1]
    _, results = run(cells, setup_source, exercise, {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", NEEDS)
def test_release_stubs_score_zero(cells, setup_source, exercise):
    stubs = {cell: stub(cells[cell]) for cell in NEEDS[exercise]}
    _, results = run(cells, setup_source, exercise, stubs)
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_one_wrong_activation_costs_a_small_share(cells, setup_source):
    """A hard_sigmoid in Keras 2's formula loses its own tests, not the other activations' points."""
    slip = {"hard_sigmoid": "def hard_sigmoid(x):\n    return np.clip(0.2 * x + 0.5, 0, 1)\n"}
    _, results = run(cells, setup_source, "squashing_activations", slip)
    earned = sum(r.score for r in results.values())
    possible = sum(r.points for r in results.values())
    assert possible * 0.6 <= earned < possible
