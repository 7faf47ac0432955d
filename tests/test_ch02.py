"""Chapter 2's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch02_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch02_layers" / "ch02_layers.ipynb", {
    "output_shapes": ["conv2d_output_shape", "pool2d_output_shape"],
    "param_counts": ["dense_params", "conv2d_params", "rnn_params"],
    "squashing_activations": ["sigmoid", "hard_sigmoid", "tanh", "softsign"],
    "rectifier_activations": ["relu", "linear", "softplus", "elu", "selu"],
    "softmax": ["softmax"],
    "residual_dense_block": ["residual_dense_block"],
    "two_branch_model": ["build_two_branch_model"],
    "sequence_classifier": ["build_sequence_classifier"],
})


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_solution_passes_public_and_hidden_tests(exercise):
    assert_full_marks(CHAPTER.run(exercise)[1])


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_correct_answer_written_differently_passes(exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in CHAPTER.needs[exercise]}
    assert_full_marks(CHAPTER.run(exercise, overrides)[1])


def test_every_solution_cell_has_a_variant():
    assert set(WRITTEN_DIFFERENTLY) == {c for needs in CHAPTER.needs.values() for c in needs}
    assert all(c in CHAPTER.cells for c in WRITTEN_DIFFERENTLY)


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cell, source, failing_test, words):
    which = failing_test.rsplit("_", 1)[1]
    _, results = CHAPTER.run(CHAPTER.exercise_of(failing_test), {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_release_stubs_score_zero(exercise):
    stubs = {cell: CHAPTER.stub(cell) for cell in CHAPTER.needs[exercise]}
    _, results = CHAPTER.run(exercise, stubs)
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_one_wrong_activation_costs_a_small_share():
    """A hard_sigmoid in Keras 2's formula loses its own tests, not the other activations' points."""
    slip = {"hard_sigmoid": "def hard_sigmoid(x):\n    return np.clip(0.2 * x + 0.5, 0, 1)\n"}
    _, results = CHAPTER.run("squashing_activations", slip)
    earned = sum(r.score for r in results.values())
    possible = sum(r.points for r in results.values())
    assert possible * 0.6 <= earned < possible
