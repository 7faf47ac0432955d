"""Chapter 3's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch03_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks
from conftest import SOURCE

# Every exercise is one function in one solution cell of the same name.
EXERCISES = [
    "sgd_step", "rmsprop_step", "adagrad_step", "adadelta_step", "adam_step",
    "mean_squared_error", "binary_crossentropy", "categorical_crossentropy", "hinge", "squared_hinge",
    "categorical_accuracy", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "mean_squared_logarithmic_error", "compile_for_task",
]
CHAPTER = Chapter(SOURCE / "ch03_training" / "ch03_training.ipynb", {e: [e] for e in EXERCISES})


def test_every_exercise_has_a_variant_and_two_wrong_answers():
    assert {gid for gid in CHAPTER.cells if not gid.endswith(("_public", "_hidden"))} == set(EXERCISES)
    assert set(WRITTEN_DIFFERENTLY) == set(EXERCISES)
    for exercise in EXERCISES:
        assert sum(cell == exercise for cell, *_ in WRONG) >= 2, exercise


@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_passes_public_and_hidden_tests(exercise):
    assert_full_marks(CHAPTER.run(exercise)[1])


@pytest.mark.parametrize("exercise", EXERCISES)
def test_correct_answer_written_differently_passes(exercise):
    assert_full_marks(CHAPTER.run(exercise, {exercise: WRITTEN_DIFFERENTLY[exercise]})[1])


@pytest.mark.parametrize("cell, source, failing_test, words", WRONG,
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cell, source, failing_test, words):
    which = failing_test.rsplit("_", 1)[1]
    result = CHAPTER.run(CHAPTER.exercise_of(failing_test), {cell: source}, (which,))[1][which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_release_stub_scores_zero(exercise):
    results = CHAPTER.run(exercise, {exercise: CHAPTER.stub(exercise)})[1]
    assert all(result.score == 0 for result in results.values()), {w: r.text() for w, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_a_slip_costs_a_share():
    """Adam with the textbook epsilon placement passes the public check and loses only the hidden
    tests where epsilon matters."""
    textbook = next(source for cell, source, test, _ in WRONG if cell == "adam_step" and test == "adam_step_hidden")
    results = CHAPTER.run("adam_step", {"adam_step": textbook})[1]
    assert results["public"].score == results["public"].points
    assert 0 < results["hidden"].score < results["hidden"].points
