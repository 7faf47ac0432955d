"""Chapter 7's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch07_variants import NESTED, WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks, standard_tests
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch07_transfer" / "ch07_transfer.ipynb", {
    "split_digits": ["split_digits"],
    "base_cnn": ["build_base_cnn"],
    "transfer_model": ["build_transfer_model"],
    "unfreeze_top_layers": ["build_transfer_model", "unfreeze_top_layers"],
    "compile_for_fine_tuning": ["compile_for_fine_tuning"],
})


globals().update(standard_tests(CHAPTER, WRITTEN_DIFFERENTLY, WRONG))


@pytest.mark.parametrize("exercise", ["transfer_model", "unfreeze_top_layers"])
def test_nested_feature_extractor_passes(exercise):
    """The keras.applications pattern: the feature layers as one nested model called with training=False."""
    assert_full_marks(CHAPTER.run(exercise, NESTED)[1])


def test_every_exercise_has_two_wrong_answers():
    for exercise in CHAPTER.needs:
        assert len([w for w in WRONG if CHAPTER.exercise_of(w[2]) == exercise]) >= 2, exercise
