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


def test_the_step_counts_the_text_quotes_come_from_the_code():
    """The batch-norm paragraph quotes how many steps the base trains; they follow the training cell."""
    import math
    import re

    import nbformat

    from autograder.data import load_mnist

    nb = nbformat.read(SOURCE / "ch07_transfer" / "ch07_transfer.ipynb", as_version=4)
    text = next(c.source for c in nb.cells if "our base trains for" in c.source)
    code = next(c.source for c in nb.cells if c.get("id") == "train-base")
    limit, epochs, batch = (int(re.search(pattern, code)[1]) for pattern in
                            (r"limit = (\d+)", r"epochs=(\d+)", r"batch_size=(\d+)"))
    quoted = re.search(r"(\d+) epochs of batches of (\d+), (\d+) steps on the offline digits, (\d+) on MNIST", text)
    offline = int((load_mnist("digits").y_train < 5).sum())  # digits 0-4: task A
    mnist = 30_596  # MNIST's training images of digits 0-4, more than the limit
    steps = [math.ceil(min(count, limit) / batch) * epochs for count in (offline, mnist)]
    assert [int(g) for g in quoted.groups()] == [epochs, batch, *steps]


def test_what_the_text_says_about_recompiling_after_changing_trainable_holds():
    """ch07 (and ch06) say: Keras keeps the trainable weights it found when it built the training step
    at the first fit after compile, so a layer frozen after a fit still trains until the model is
    compiled again. Checked on this Keras, so that the text changes when Keras does."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x, y = rng.random((32, 4), dtype=np.float32), rng.random((32, 1), dtype=np.float32)

    def frozen_layer_moves(recompile: bool) -> bool:
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="a"), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
        model.get_layer("a").trainable = False
        if recompile:
            model.compile("sgd", "mse")
        before = keras.ops.convert_to_numpy(model.get_layer("a").kernel).copy()
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
        return bool(np.abs(keras.ops.convert_to_numpy(model.get_layer("a").kernel) - before).max() > 0)

    nb = SOURCE / "ch07_transfer" / "ch07_transfer.ipynb"
    assert "still trains in the next `fit` unless the model is compiled again" in nb.read_text()
    if keras.backend.backend() == "tensorflow":  # what the text measured
        assert frozen_layer_moves(recompile=False)
    assert not frozen_layer_moves(recompile=True)
