"""Chapter 4's hidden-test helpers (grader only; the shared ones stay in autograder/exercises/ch04_data.py)."""

from __future__ import annotations

import numpy as np

from ...checks.errors import CheckError
from ...exercises.ch04_data import PYDATASET_SECTION
from ...i18n.messages import N_


def assert_fits(data, input_shape, num_classes: int, what: str) -> None:
    """A tiny model trains two silent epochs on ``data`` (in the student's kernel): finite losses,
    and weights that moved."""
    import keras

    from ...remote import run_probe

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                              keras.layers.Dense(num_classes, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    before = [np.array(w) for w in model.get_weights()]
    try:
        fitted = run_probe("fit_on", data, model, 2)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the student's class does wrong
        raise CheckError(f"model.fit({what}, epochs=2) failed: {type(error).__name__}: {str(error)[:200]}; "
                         f"reread {PYDATASET_SECTION}") from None
    losses = fitted["loss"]
    if len(losses) != 2 or not np.all(np.isfinite(losses)):
        raise CheckError(f"model.fit({what}, epochs=2) gave the losses {losses}, expected two finite values; "
                         f"reread {PYDATASET_SECTION}")
    if all(np.array_equal(a, np.array(b)) for a, b in zip(before, fitted["model"].get_weights())):
        raise CheckError(f"model.fit({what}, epochs=2) did not change the model's weights: the batches should "
                         f"hold the examples and their labels; reread {PYDATASET_SECTION}")


def folder_labels(dataset) -> list[int]:
    """The labels of one pass over a dataset of (images, labels) batches, in order."""
    return [int(label) for _, labels in dataset for label in np.asarray(labels).reshape(-1)]


def assert_shuffled_with_seed(load_image_folder, classes, count: int, seeds) -> None:
    """The first epoch's order is the one image_dataset_from_directory gives with shuffle=True and
    that seed: fixed by the seed, another for another seed, not the folders' order. The reference
    reads the same images, written here, in the judge's own process."""
    import tempfile

    import keras

    from ...exercises.ch04_data import FOLDER_SECTION, image_folder, write_image_folder

    with tempfile.TemporaryDirectory() as mine, image_folder(load_image_folder, classes, count) as theirs:
        write_image_folder(mine, classes, count)
        for seed in seeds:
            call = f"load_image_folder(dir, image_size=(8, 8), batch_size=4, seed={seed})"
            keras.utils.set_random_seed(0)
            expected = folder_labels(keras.utils.image_dataset_from_directory(
                mine, image_size=(8, 8), batch_size=4, shuffle=True, seed=seed, verbose=False))
            keras.utils.set_random_seed(0)
            result = load_image_folder(theirs, image_size=(8, 8), batch_size=4, seed=seed)
            found = folder_labels(result[0]) if isinstance(result, tuple) and len(result) == 2 else None
            if found is None:
                raise CheckError(f"{call} should return a pair (dataset, class_names); reread {FOLDER_SECTION}")
            if sorted(found) != sorted(expected):
                raise CheckError(f"{call} gives {len(found)} labels, expected every one of the {len(expected)} "
                                 f"images once; reread {FOLDER_SECTION}")
            if found == sorted(found):
                raise CheckError(f"{call} gives the images in the folders' order: shuffle them (shuffle=True, "
                                 f"seed=seed); reread {FOLDER_SECTION}")
            if found != expected:
                raise CheckError(f"{call} gives another order than image_dataset_from_directory with shuffle=True "
                                 f"and seed={seed}: pass the seed argument on; reread {FOLDER_SECTION}")


FEW, CHECKED = 150, 300  # the comparison's training images and validation images (the notebook says so)


def comparison_data():
    """The images the notebook's comparison trains on and checks with: the first 150 training images
    of load_mnist() and its first 300 test images, scaled to [0, 1] with a channel axis."""
    from ...data import load_mnist, prepare_images

    data = load_mnist()
    return (prepare_images(data.x_train[:FEW]), data.y_train[:FEW],
            prepare_images(data.x_test[:CHECKED]), data.y_test[:CHECKED])


def assert_measured_gap(model, report, name: str, data) -> dict:
    """``report`` (the student's generalization_gap of ``model``) is what the judge measures for that
    model on the comparison's images (``data``, from comparison_data); the judge's measurement."""
    import keras

    from ...exercises.ch04_data import OVERFIT_SECTION, assert_gap_report, reference_gap

    if not isinstance(model, keras.Model):
        raise CheckError(f"{name}_model should be the trained keras.Model, found {type(model).__name__}. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    expected = reference_gap(model, *data)
    assert_gap_report(report, expected, N_(f"{name}_gap (for {name}_model on the first {FEW} training and "
                                           f"{CHECKED} test images)"))
    return expected


def assert_comparison(plain_model, regularized_model, plain_gap, regularized_gap, narrowed) -> None:
    """The conclusion follows from the gaps the judge measures on the two trained models: the plain
    model fits its few images (training accuracy at least 0.9), the regularised one has dropout, an
    L2 penalty and augmentation, and ``narrowed`` says whether its gap is the smaller (either answer
    counts when the two gaps are within 0.02)."""
    import keras

    from ...checks.summary import flat_layers
    from ...exercises.ch04_data import OVERFIT_SECTION, RANDOM_LAYERS

    data = comparison_data()  # loaded once for both models
    plain = assert_measured_gap(plain_model, plain_gap, "plain", data)
    regularized = assert_measured_gap(regularized_model, regularized_gap, "regularized", data)
    if plain["train_accuracy"] < 0.9:
        raise CheckError(f"plain_model classifies {plain['train_accuracy']:.1%} of its own {FEW} training images "
                         f"right: train it until it fits them (more epochs), so that there is a gap to narrow. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    kinds = [type(layer).__name__ for layer in flat_layers(regularized_model)]
    has_dropout = any(isinstance(layer, keras.layers.Dropout) and layer.rate > 0
                      for layer in flat_layers(regularized_model))
    if not has_dropout or not regularized_model.losses or not any(kind in RANDOM_LAYERS for kind in kinds):
        raise CheckError(f"regularized_model has layers {kinds} and {len(regularized_model.losses)} penalties: "
                         f"build it with dropout, an L2 penalty and the augmentation block. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    if not isinstance(narrowed, (bool, np.bool_)):
        raise CheckError(f"regularization_narrowed_gap should be True or False, found {type(narrowed).__name__}")
    difference = plain["gap"] - regularized["gap"]
    if abs(difference) >= 0.02 and bool(narrowed) != (difference > 0):
        raise CheckError(f"regularization_narrowed_gap is {bool(narrowed)}, but the gaps measured are "
                         f"{plain['gap']:.3f} (plain) and {regularized['gap']:.3f} (regularized): read it from "
                         f"the two gaps. Reread \"{OVERFIT_SECTION}\".")
