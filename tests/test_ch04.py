"""Chapter 4's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach
(the standard tests of tests/chapter_cells.py), and what is particular to this chapter."""

import re

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
})
globals().update(standard_tests(CHAPTER, WRITTEN_DIFFERENTLY, WRONG))


def release_stub(source: str) -> str:
    """What nbgrader's release holds for a solution cell: every solution region (ArrayBatches has
    one per method) replaced by a bare NotImplementedError at the region's indentation."""
    pattern = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.S | re.M)
    return pattern.sub(lambda m: f"{m[1]}# YOUR CODE HERE\n{m[1]}raise NotImplementedError()\n", source)


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_release_stubs_score_zero(exercise):
    """Replaces the standard test: Chapter.stub keeps only the first region of a cell, and the
    release of the ArrayBatches class keeps all four methods, each a stub."""
    _, results = CHAPTER.run(exercise, {cell: release_stub(CHAPTER.cells[cell]) for cell in CHAPTER.needs[exercise]})
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


def test_release_stub_of_the_class_keeps_its_methods():
    stub = release_stub(CHAPTER.cells["ArrayBatches"])
    assert stub.count("raise NotImplementedError()") == 4 and "BEGIN SOLUTION" not in stub
    namespace = {}
    exec(CHAPTER.setup_source, namespace)
    exec(stub, namespace)  # the release's class definition itself runs
    with pytest.raises(NotImplementedError):
        namespace["ArrayBatches"]([[0]], [0])


def test_every_exercise_has_two_wrong_answers():
    counts = {e: sum(1 for w in WRONG if w[0] == e) for e in CHAPTER.needs}
    assert min(counts.values()) >= 2, counts
