"""Chapter 7's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch07_variants import NESTED, WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch07_transfer" / "ch07_transfer.ipynb", {
    "split_digits": ["split_digits"],
    "base_cnn": ["build_base_cnn"],
    "transfer_model": ["build_transfer_model"],
    "unfreeze_top_layers": ["build_transfer_model", "unfreeze_top_layers"],
    "compile_for_fine_tuning": ["compile_for_fine_tuning"],
})


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_solution_passes_public_and_hidden_tests(exercise):
    assert_full_marks(CHAPTER.run(exercise)[1])


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_correct_answer_written_differently_passes(exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in CHAPTER.needs[exercise]}
    assert_full_marks(CHAPTER.run(exercise, overrides)[1])


@pytest.mark.parametrize("exercise", ["transfer_model", "unfreeze_top_layers"])
def test_nested_feature_extractor_passes(exercise):
    """The keras.applications pattern: the feature layers as one nested model called with training=False."""
    assert_full_marks(CHAPTER.run(exercise, NESTED)[1])


def test_every_solution_cell_has_a_variant_and_every_exercise_two_wrong_answers():
    assert set(WRITTEN_DIFFERENTLY) == {c for needs in CHAPTER.needs.values() for c in needs}
    for exercise in CHAPTER.needs:
        assert len([w for w in WRONG if CHAPTER.exercise_of(w[2]) == exercise]) >= 2, exercise


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
    """Every graded cell earns 0 on the release, where every solution cell is a stub."""
    stubs = {cell: CHAPTER.stub(cell) for cell in WRITTEN_DIFFERENTLY}
    _, results = CHAPTER.run(exercise, stubs)
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()
