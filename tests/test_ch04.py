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
