"""Chapter 4's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import re

import pytest

from ch04_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch04_data" / "ch04_data.ipynb", {
    "scale_images": ["scale_images"],
    "one_hot": ["one_hot"],
    "make_dataset": ["make_dataset"],
    "ArrayBatches": ["ArrayBatches"],
    "build_augmentation": ["build_augmentation"],
    "load_image_folder": ["load_image_folder"],
})

# Each costs a few seconds: pipelines over several epochs, model.fit, PNG folders.
SLOW = {"ArrayBatches", "load_image_folder", "make_dataset"}


def exercises(fast_only=False):
    return [pytest.param(e, marks=[pytest.mark.slow] if e in SLOW and not fast_only else [])
            for e in CHAPTER.needs]


def release_stub(source: str) -> str:
    """What nbgrader's release holds for a solution cell: every solution region (a class has one
    per method) replaced by a bare NotImplementedError at the region's indentation."""
    pattern = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.S | re.M)
    return pattern.sub(lambda m: f"{m[1]}# YOUR CODE HERE\n{m[1]}raise NotImplementedError()\n", source)


@pytest.mark.parametrize("exercise", exercises())
def test_solution_passes_public_and_hidden_tests(exercise):
    assert_full_marks(CHAPTER.run(exercise)[1])


@pytest.mark.parametrize("exercise", exercises())
def test_correct_answer_written_differently_passes(exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in CHAPTER.needs[exercise]}
    assert_full_marks(CHAPTER.run(exercise, overrides)[1])


def test_every_solution_cell_has_a_variant():
    assert set(WRITTEN_DIFFERENTLY) == {c for needs in CHAPTER.needs.values() for c in needs}
    assert all(c in CHAPTER.cells for c in WRITTEN_DIFFERENTLY)


def test_every_exercise_has_two_wrong_answers():
    counts = {e: sum(1 for w in WRONG if w[0] == e) for e in CHAPTER.needs}
    assert min(counts.values()) >= 2, counts


@pytest.mark.parametrize("cell, source, failing_test, words",
                         [pytest.param(*w, marks=[pytest.mark.slow] if w[0] in SLOW else []) for w in WRONG],
                         ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cell, source, failing_test, words):
    which = failing_test.rsplit("_", 1)[1]
    _, results = CHAPTER.run(CHAPTER.exercise_of(failing_test), {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


def test_release_stub_of_a_class_keeps_its_methods():
    stub = release_stub(CHAPTER.cells["ArrayBatches"])
    assert stub.count("raise NotImplementedError()") == 4 and "BEGIN SOLUTION" not in stub
    namespace = {}
    exec(CHAPTER.setup_source, namespace)
    exec(stub, namespace)  # the release's class definition itself runs
    with pytest.raises(NotImplementedError):
        namespace["ArrayBatches"]([[0]], [0])


@pytest.mark.parametrize("exercise", exercises(fast_only=True))
def test_release_stub_scores_zero(exercise):
    _, results = CHAPTER.run(exercise, {exercise: release_stub(CHAPTER.cells[exercise])})
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()
