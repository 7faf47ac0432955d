"""Chapter 3's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch03_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks
from conftest import SOURCE

# Most exercises are one function in one solution cell of the same name; the last two need more cells.
SINGLE_CELL = [
    "sgd_step", "rmsprop_step", "adagrad_step", "adadelta_step", "adam_step",
    "mean_squared_error", "binary_crossentropy", "categorical_crossentropy", "hinge", "squared_hinge",
    "categorical_accuracy", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "mean_squared_logarithmic_error", "compile_for_task",
]
NEEDS = {e: [e] for e in SINGLE_CELL} | {
    "learning_rate_sweep": ["lr_sweep", "classify_run"],
    "callbacks": ["training_callbacks"],
}
EXERCISES = list(NEEDS)
SOLUTION_CELLS = [cell for cells in NEEDS.values() for cell in cells]
CHAPTER = Chapter(SOURCE / "ch03_training" / "ch03_training.ipynb", NEEDS)


def test_every_solution_cell_has_a_variant_and_wrong_answers():
    assert {gid for gid in CHAPTER.cells if not gid.endswith(("_public", "_hidden"))} == set(SOLUTION_CELLS)
    assert set(WRITTEN_DIFFERENTLY) == set(SOLUTION_CELLS)
    for cell in SOLUTION_CELLS:
        assert sum(wrong_cell == cell for wrong_cell, *_ in WRONG) >= 2, cell


@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_passes_public_and_hidden_tests(exercise):
    assert_full_marks(CHAPTER.run(exercise)[1])


@pytest.mark.parametrize("exercise", EXERCISES)
def test_correct_answer_written_differently_passes(exercise):
    assert_full_marks(CHAPTER.run(exercise, {cell: WRITTEN_DIFFERENTLY[cell] for cell in NEEDS[exercise]})[1])


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cell, source, failing_test, words):
    which = failing_test.rsplit("_", 1)[1]
    result = CHAPTER.run(CHAPTER.exercise_of(failing_test), {cell: source}, (which,))[1][which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_release_stub_scores_zero(exercise):
    results = CHAPTER.run(exercise, {cell: CHAPTER.stub(cell) for cell in NEEDS[exercise]})[1]
    assert all(result.score == 0 for result in results.values()), {w: r.text() for w, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_a_slip_costs_a_share():
    """Adam with the textbook epsilon placement passes the public check and loses only the hidden
    tests where epsilon matters."""
    textbook = next(source for cell, source, test, _ in WRONG if cell == "adam_step" and test == "adam_step_hidden")
    results = CHAPTER.run("adam_step", {"adam_step": textbook})[1]
    assert results["public"].score == results["public"].points
    assert 0 < results["hidden"].score < results["hidden"].points
