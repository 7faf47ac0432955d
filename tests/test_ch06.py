"""Chapter 6's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import keras
import pytest

from ch06_variants import ALSO_CORRECT, WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch06_gan" / "ch06_gan.ipynb", {
    "generator": ["build_generator"],
    "discriminator": ["build_discriminator"],
    "gan": ["GAN"],
    "generate_images": ["build_generator", "generate_images"],
    "plot_image_grid": ["plot_image_grid"],
    "sample_grid": ["SampleGrid"],
})


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_solution_passes_public_and_hidden_tests(exercise):
    assert_full_marks(CHAPTER.run(exercise)[1])


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_correct_answer_written_differently_passes(exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in CHAPTER.needs[exercise]}
    assert_full_marks(CHAPTER.run(exercise, overrides)[1])


@pytest.mark.slow
@pytest.mark.parametrize("cell, source", ALSO_CORRECT, ids=[f"{c}-{i}" for i, (c, _) in enumerate(ALSO_CORRECT)])
def test_more_correct_answers_pass(cell, source):
    exercise = next(e for e, needs in CHAPTER.needs.items() if needs[-1] == cell)
    assert_full_marks(CHAPTER.run(exercise, {cell: source})[1])


def test_variants_cover_every_solution_cell():
    assert set(WRITTEN_DIFFERENTLY) == {c for needs in CHAPTER.needs.values() for c in needs}
    assert all(c in CHAPTER.cells for c in WRITTEN_DIFFERENTLY)
    if keras.config.backend() == "jax":  # a step of its own, not the notebook's given plumbing
        assert "def train_step(self, state, data)" in WRITTEN_DIFFERENTLY["GAN"]
    else:  # both shapes of a correct train_step the issue names: one tape per network, one persistent tape
        assert "persistent=True" in WRITTEN_DIFFERENTLY["GAN"]
        assert any(cell == "GAN" and "persistent" not in source and source.count("GradientTape()") == 2
                   for cell, source in ALSO_CORRECT)
    failing = [CHAPTER.exercise_of(test_cell) for _, _, test_cell, _ in WRONG]
    assert all(failing.count(exercise) >= 2 for exercise in CHAPTER.needs), failing


# A wrong GAN runs the whole hidden cell (a few seconds each): slow, like the pipeline.
@pytest.mark.parametrize("cell, source, failing_test, words", [
    pytest.param(*w, marks=pytest.mark.slow) if w[0] == "GAN" else w for w in WRONG],
    ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cell, source, failing_test, words):
    which = failing_test.rsplit("_", 1)[1]
    _, results = CHAPTER.run(CHAPTER.exercise_of(failing_test), {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


@pytest.mark.parametrize("exercise", CHAPTER.needs)
def test_release_stub_scores_zero(exercise):
    stubs = {cell: CHAPTER.stub(cell) for cell in CHAPTER.needs[exercise]}
    assert all("NotImplementedError" in stub and "BEGIN SOLUTION" not in stub for stub in stubs.values())
    _, results = CHAPTER.run(exercise, stubs)
    assert all(result.score == 0 for result in results.values()), {k: r.text() for k, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


@pytest.mark.slow
def test_a_slip_costs_a_share():
    """A GAN whose generator step also moves the discriminator keeps the points of the tests that
    do not look at the discriminator during the generator step."""
    # On JAX the generator step names its weights explicitly: the slip there is the generator's label.
    slip_words = ("should raise the discriminator's score" if keras.config.backend() == "jax"
                  else "changed the discriminator's weights")
    slip = next(source for cell, source, _, words in WRONG if cell == "GAN" and slip_words in words)
    _, results = CHAPTER.run("gan", {"GAN": slip}, ("hidden",))
    assert 0 < results["hidden"].score < results["hidden"].points
