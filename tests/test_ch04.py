"""Chapter 4's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach
(the standard tests of tests/chapter_cells.py), and what is particular to this chapter."""

import pytest

from ch04_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, standard_tests
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch04_data" / "ch04_data.ipynb", {
    "scale_images": ["scale_images"],
    "one_hot": ["one_hot"],
    "make_dataset": ["make_dataset"],
    "ArrayBatches": ["ArrayBatches"],
    "build_augmentation": ["build_augmentation"],
    "load_image_folder": ["load_image_folder"],
    "small_cnn": ["build_small_cnn"],
    "overfitting": ["build_small_cnn", "generalization_gap", "overfitting_comparison"],
})
globals().update(standard_tests(CHAPTER, WRITTEN_DIFFERENTLY, WRONG))


def test_release_stub_of_the_class_keeps_its_methods():
    stub = CHAPTER.stub("ArrayBatches")
    assert stub.count("raise NotImplementedError()") == 4 and "BEGIN SOLUTION" not in stub
    namespace = {}
    exec(CHAPTER.setup_source, namespace)
    exec(stub, namespace)  # the release's class definition itself runs
    with pytest.raises(NotImplementedError):
        namespace["ArrayBatches"]([[0]], [0])


def test_every_solution_cell_has_two_wrong_answers():
    cells = {cell for needs in CHAPTER.needs.values() for cell in needs}
    counts = {cell: sum(1 for w in WRONG if w[0] == cell) for cell in cells}
    assert min(counts.values()) >= 2, counts


@pytest.mark.parametrize("plain, regularized, narrowed, holds", [
    (0.20, 0.05, True, True), (0.20, 0.05, False, False),      # clearly narrowed: only True follows
    (0.05, 0.20, False, True), (0.05, 0.20, True, False),      # clearly widened: only False follows
    (0.10, 0.09, True, True), (0.10, 0.09, False, True),       # within 0.02: either reading counts
])
def test_the_conclusion_must_follow_from_the_measured_gaps(monkeypatch, plain, regularized, narrowed, holds):
    """The rule of the comparison's hidden test on its own, with the judge's measurements fixed: the
    conclusion must say what the two gaps say, and either answer counts when they are within 0.02."""
    import keras

    from autograder.checks import CheckError
    from autograder.exercises import ch04_data
    from autograder.grading.hidden import ch04_data as hidden

    measured = iter([plain, regularized])

    def fixed_gap(model, *data):
        gap = next(measured)
        return {"train_accuracy": 1.0, "val_accuracy": 1.0 - gap, "gap": gap}

    monkeypatch.setattr(ch04_data, "reference_gap", fixed_gap)
    monkeypatch.setattr(hidden, "comparison_data", lambda: (None, None, None, None))
    plain_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    regularized_model = keras.Sequential([
        keras.Input((4,)), keras.layers.RandomTranslation(0.1, 0.1), keras.layers.Dropout(0.5),
        keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(1e-3))])
    reports = [{"train_accuracy": 1.0, "val_accuracy": 1.0 - gap, "gap": gap} for gap in (plain, regularized)]
    if holds:
        hidden.assert_comparison(plain_model, regularized_model, *reports, narrowed)
    else:
        with pytest.raises(CheckError, match="read it from the two gaps"):
            hidden.assert_comparison(plain_model, regularized_model, *reports, narrowed)
