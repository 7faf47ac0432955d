"""Chapter 6's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach."""

import pytest

from ch06_variants import ALSO_CORRECT, WRITTEN_DIFFERENTLY, WRONG
from conftest import SOURCE, cells_by_id, execute_cell

NOTEBOOK = SOURCE / "ch06_gan" / "ch06_gan.ipynb"

# The solution cells an exercise's tests need, in notebook order.
NEEDS = {
    "generator": ["build_generator"],
    "discriminator": ["build_discriminator"],
    "gan": ["GAN"],
    "generate_images": ["build_generator", "generate_images"],
    "plot_image_grid": ["plot_image_grid"],
}


@pytest.fixture(scope="module")
def cells():
    return cells_by_id(NOTEBOOK)


@pytest.fixture(scope="module")
def setup_source():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def run(cells, setup_source, exercise, overrides=None, test_cells=("public", "hidden")):
    """Execute the setup cell, the exercise's solution cells (or overrides) and its test cells.

    Returns the namespace and the result of each test cell (what nbgrader reads as its score).
    """
    namespace = {}
    exec(setup_source, namespace)
    for grade_id in NEEDS[exercise]:
        exec((overrides or {}).get(grade_id, cells[grade_id]), namespace)
    results = {which: execute_cell(cells[f"{exercise}_{which}"], namespace) for which in test_cells}
    return namespace, results


def assert_full_marks(results):
    for which, result in results.items():
        assert result.points and result.score == result.points, f"{which}:\n{result.text()}"


@pytest.mark.parametrize("exercise", list(NEEDS))
def test_solution_passes_public_and_hidden_tests(cells, setup_source, exercise):
    assert_full_marks(run(cells, setup_source, exercise)[1])


@pytest.mark.parametrize("exercise", list(NEEDS))
def test_correct_answer_written_differently_passes(cells, setup_source, exercise):
    overrides = {cell: WRITTEN_DIFFERENTLY[cell] for cell in NEEDS[exercise]}
    assert_full_marks(run(cells, setup_source, exercise, overrides)[1])


@pytest.mark.slow
@pytest.mark.parametrize("cell, source", ALSO_CORRECT, ids=[f"{c}-{i}" for i, (c, _) in enumerate(ALSO_CORRECT)])
def test_more_correct_answers_pass(cells, setup_source, cell, source):
    exercise = next(e for e, needs in NEEDS.items() if needs[-1] == cell)
    assert_full_marks(run(cells, setup_source, exercise, {cell: source})[1])


def test_variants_cover_every_solution_cell(cells):
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    solutions = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    assert solutions == set(WRITTEN_DIFFERENTLY)
    # Both shapes of a correct train_step the issue names: one tape per network, one persistent tape.
    assert "persistent=True" in WRITTEN_DIFFERENTLY["GAN"]
    assert any(cell == "GAN" and "persistent" not in source and source.count("GradientTape()") == 2
               for cell, source in ALSO_CORRECT)
    exercises_failed = {failing.rsplit("_", 1)[0] for _, _, failing, _ in WRONG}
    assert exercises_failed == set(NEEDS)
    for exercise in NEEDS:
        assert sum(failing.rsplit("_", 1)[0] == exercise for _, _, failing, _ in WRONG) >= 2, exercise


# A wrong GAN runs the whole hidden cell (a few seconds each): slow, like the pipeline.
@pytest.mark.parametrize("cell, source, failing_test, words", [
    pytest.param(*w, marks=pytest.mark.slow) if w[0] == "GAN" else w for w in WRONG],
    ids=[f"{w[0]}-{w[2]}-{i}" for i, w in enumerate(WRONG)])
def test_wrong_answer_fails_with_a_teaching_message(cells, setup_source, cell, source, failing_test, words):
    exercise, which = failing_test.rsplit("_", 1)
    _, results = run(cells, setup_source, exercise, {cell: source}, (which,))
    result = results[which]
    assert result.score < result.points
    assert words in result.text(), result.text()


def _release_stub(solution_source):
    """What nbgrader leaves of a solution cell: each solution region becomes a bare raise."""
    import re

    return re.sub(r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION",
                  lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()",
                  solution_source, flags=re.S)


@pytest.mark.parametrize("exercise", list(NEEDS))
def test_release_stub_scores_zero(cells, setup_source, exercise):
    stubs = {cell: _release_stub(cells[cell]) for cell in NEEDS[exercise]}
    assert all("NotImplementedError" in stub for stub in stubs.values())
    _, results = run(cells, setup_source, exercise, stubs)
    assert all(result.score == 0 for result in results.values()), {w: r.text() for w, r in results.items()}
    assert "fill in the cells marked YOUR CODE HERE" in results["public"].text()


@pytest.mark.slow
def test_a_slip_costs_a_share(cells, setup_source):
    """A GAN whose generator step also moves the discriminator keeps the points of the tests that
    do not look at the discriminator during the generator step."""
    slip = next(source for cell, source, failing, _ in WRONG
                if cell == "GAN" and "changed the discriminator's weights" in _)
    _, results = run(cells, setup_source, "gan", {"GAN": slip}, ("hidden",))
    assert 0 < results["hidden"].score < results["hidden"].points
