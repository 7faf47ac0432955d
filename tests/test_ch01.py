"""Chapter 1's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import keras
import pytest

from ch01_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch01_setup" / "ch01_setup.ipynb", {
    "environment_report": ["environment_report"],
    "keras_config": ["keras_config"],
    "build_first_model": ["build_first_model"],
    "reproducible_weights": ["build_first_model", "reproducible_weights"],
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
def test_release_stub_scores_zero(exercise):
    _, results = CHAPTER.run(exercise, {exercise: CHAPTER.stub(exercise)})
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_hidden_tests_leave_keras_settings_as_they_were():
    CHAPTER.run("environment_report")
    assert keras.config.floatx() == "float32"
    assert keras.config.image_data_format() == "channels_last"
