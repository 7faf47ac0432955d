"""Public tests of chapter 4: scaling images, one-hot labels, tf.data pipelines, a PyDataset,
augmentation layers and reading an image folder.

They check the defaults the exercise text states, on small arrays. The hidden tests (in the
instructor's notebook only) try other shapes, dtypes and channel layouts, one-example and
odd-sized data sets, other seeds and batch sizes, training with model.fit, and image folders
made in another order than sorted, in grayscale and RGB. They share the helpers here; what only
they use is in autograder/grading/hidden/ch04_data.py, which students' images do not hold.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..checks.arrays import assert_array_matches
from ..checks.datasets import assert_one_epoch, assert_orders, epoch_batches
from ..checks.errors import CheckError
from ..checks.raises import assert_raises
from ..i18n.messages import N_
from ..remote import is_instance, type_name
from . import public_test

SCALE_SECTION = N_('"Normalising images"')
ONE_HOT_SECTION = N_('"One-hot labels"')
PIPELINE_SECTION = N_('"tf.data pipelines"')
PYDATASET_SECTION = N_('"Feeding fit from a PyDataset"')
AUGMENT_SECTION = N_('"Augmentation with preprocessing layers"')
FOLDER_SECTION = N_('"Reading an image folder"')
# The catalogue's bare titles of the sections datasets.py rereads: its ' Reread {section}.' reads like
# arrays.py's ' Reread "{section}".', which a translation matches first, taking the title without quotes.
BARE_TITLES = (N_("tf.data pipelines"), N_("Feeding fit from a PyDataset"))


def uncached(func):
    """The student's own function or class: check() remembers results per arguments, but a
    pipeline is stateful (each epoch reshuffles), so these tests need fresh objects."""
    return getattr(func, "func", func)


def numbered_examples(n: int, feature_shape=(2,), dtype="float32", label_shape=()):
    """``n`` examples whose rows are all different (x[i] holds the numbers of i) and labels
    that say which example they belong to, so a pipeline's order can be read back."""
    size = int(np.prod(feature_shape)) if feature_shape else 1
    x = (np.arange(n * size).reshape((n, *feature_shape)) % 100000).astype(dtype)
    y = (np.arange(n) % 7).reshape((n, *label_shape)).astype("int64")
    return x, y


# --- scale_images --------------------------------------------------------------------------

def assert_scaled(scale_images, x: np.ndarray, what: str) -> None:
    """``scale_images(x)`` is x / 255 as float32, with a channel axis added to (N, H, W)."""
    result = scale_images(x.copy())
    if result is None:
        raise CheckError(f"{what} returned None: return the scaled array; reread {SCALE_SECTION}")
    if not isinstance(result, np.ndarray):
        raise CheckError(f"{what} should return a NumPy array, found {type(result).__name__}; reread {SCALE_SECTION}")
    expected_shape = x.shape + (1,) if x.ndim == 3 else x.shape
    if result.shape != expected_shape:
        hint = (N_(" (N, H, W) images get a channel axis: (N, H, W, 1)") if x.ndim == 3 else
                N_(" images that already have a channel axis keep their shape"))
        raise CheckError(f"{what} has shape {result.shape}, expected {expected_shape}:{hint}; reread {SCALE_SECTION}")
    if result.dtype != np.float32:
        raise CheckError(f"{what} has dtype {result.dtype}, expected float32 (what Keras layers compute in); "
                         f"reread {SCALE_SECTION}")
    assert_array_matches(result, x.reshape(expected_shape).astype(np.float64) / 255.0, rtol=1e-6, atol=1e-6,
                         what=what, section=N_("Normalising images"))  # SCALE_SECTION[1:-1]


@public_test("scale_images")
def scales_mnist_like_batch(scale_images):
    """scale_images on uint8 (5, 28, 28) images gives float32 (5, 28, 28, 1) equal to x / 255"""
    x = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    x[0, 0, 0], x[0, 0, 1] = 0, 255
    assert_scaled(scale_images, x, "scale_images(x) for x of shape (5, 28, 28)")


# --- one_hot -------------------------------------------------------------------------------

def assert_one_hot(one_hot, labels, num_classes: int, what: str) -> None:
    """``one_hot(labels, num_classes)`` has the values of keras.utils.to_categorical, shape (N, C)."""
    import keras

    labels = np.asarray(labels)
    result = one_hot(labels.copy(), num_classes)
    if result is None:
        raise CheckError(f"{what} returned None: return the one-hot array; reread {ONE_HOT_SECTION}")
    expected = keras.utils.to_categorical(labels.reshape(-1), num_classes)
    result = np.asarray(result)
    if result.shape != expected.shape:
        hint = (N_(" labels of shape (N, 1) give (N, num_classes) too: flatten them first") if labels.ndim == 2
                else "")
        raise CheckError(f"{what} has shape {result.shape}, expected {expected.shape} (one row per label, one "
                         f"column per class);{hint} reread {ONE_HOT_SECTION}")
    assert_array_matches(result, expected, rtol=0, atol=0, what=what, section=N_("One-hot labels"))  # ONE_HOT_SECTION[1:-1]


def assert_rejects_label(one_hot, labels, num_classes: int, what: str, words=()) -> str:
    """A label outside 0..num_classes-1 is a ValueError (to_categorical would wrap -1 or crash)."""
    return assert_raises(lambda: one_hot(np.asarray(labels), num_classes), what, words,
                         section=N_(f"{ONE_HOT_SECTION} (a label outside 0..{num_classes - 1} has no column)"))


@public_test("one_hot")
def one_hot_of_digits(one_hot):
    """one_hot([3, 0, 9, 3], 10) matches keras.utils.to_categorical"""
    assert_one_hot(one_hot, np.array([3, 0, 9, 3]), 10, "one_hot([3, 0, 9, 3], 10)")


@public_test("one_hot")
def one_hot_rejects_out_of_range(one_hot):
    """one_hot([0, 10], 10) raises ValueError"""
    assert_rejects_label(one_hot, [0, 10], 10, "one_hot([0, 10], 10)")


# --- make_dataset and ArrayBatches -----------------------------------------------------------

def assert_prefetched(dataset, what: str) -> None:
    """Somewhere in the pipeline there is a prefetch step."""
    node, seen = dataset, 0
    while node is not None and seen < 50:
        if "Prefetch" in type_name(node):
            return
        node, seen = getattr(node, "_input_dataset", None), seen + 1
    raise CheckError(f"{what} is not prefetched: end the pipeline with .prefetch(tf.data.AUTOTUNE) so the next "
                     f"batch is prepared while the model trains on this one; reread {PIPELINE_SECTION}")


def assert_pipeline(make, x, y, batch_size: int, seed: int, what: str, section: str, shuffle: bool = True,
                    check_seeds: bool = True) -> None:
    """Every example once per epoch in batches of ``batch_size`` (the last one kept); with
    shuffle, the order is fixed by the seed, differs for another seed and between epochs;
    without, the original order in every epoch. ``make(seed)`` builds a fresh pipeline."""
    data = make(seed)
    first, second = (assert_one_epoch(epoch_batches(data, what, section), x, y, batch_size, what, section)
                     for _ in range(2))
    if not shuffle:
        original = np.arange(len(x))
        assert_orders({N_("the first epoch"): first, N_("the original order"): original,
                       N_("the second epoch"): second}, same=[("the first epoch", "the original order"),
                                                              ("the second epoch", "the original order")],
                      what=N_(f"{what} without shuffle"), section=section)
        return
    if len(x) < 8:
        return  # too few examples for orders that must differ
    again = assert_one_epoch(epoch_batches(make(seed), what, section), x, y, batch_size, what, section)
    orders = {"the first epoch": first, "the second epoch": second, "the original order": np.arange(len(x)),
              N_(f"a new pipeline with the same seed {seed}"): again}
    same = [("the first epoch", f"a new pipeline with the same seed {seed}")]
    different = [("the first epoch", "the original order"), ("the first epoch", "the second epoch")]
    if check_seeds:
        orders[N_(f"seed {seed + 1}")] = assert_one_epoch(epoch_batches(make(seed + 1), what, section), x, y,
                                                      batch_size, what, section)
        different.append(("the first epoch", f"seed {seed + 1}"))
    assert_orders(orders, same=same, different=different, what=what, section=section)


@public_test("make_dataset")
def dataset_batches_every_example(make_dataset):
    """make_dataset(x, y, batch_size=8) on 50 examples: every example once, 6 full batches and one of 2"""
    import tensorflow as tf

    x, y = numbered_examples(50)
    dataset = uncached(make_dataset)(x, y, batch_size=8)
    if not is_instance(dataset, tf.data.Dataset):
        raise CheckError(f"make_dataset should return a tf.data.Dataset, found {type_name(dataset)}; "
                         f"reread {PIPELINE_SECTION}")
    assert_one_epoch(epoch_batches(dataset), x, y, 8, "make_dataset(x, y, batch_size=8)", PIPELINE_SECTION)
    assert_prefetched(dataset, "make_dataset(x, y, batch_size=8)")


@public_test("make_dataset")
def dataset_shuffles_by_seed(make_dataset):
    """make_dataset(x, y) shuffles: the seed fixes the order, another seed or epoch changes it"""
    x, y = numbered_examples(100)
    assert_pipeline(lambda seed: uncached(make_dataset)(x, y, seed=seed), x, y, 32, 0,
                    "make_dataset(x, y)", PIPELINE_SECTION)


@public_test("make_dataset")
def dataset_without_shuffle(make_dataset):
    """make_dataset(x, y, shuffle=False) keeps the original order"""
    x, y = numbered_examples(40)
    assert_pipeline(lambda seed: uncached(make_dataset)(x, y, shuffle=False, seed=seed), x, y, 32, 0,
                    "make_dataset(x, y, shuffle=False)", PIPELINE_SECTION, shuffle=False)


def assert_array_batches(array_batches, x, y, batch_size: int, what: str) -> None:
    """``len()`` counts the last partial batch, and ``__getitem__`` gives (x, y) batches."""
    import keras

    data = array_batches
    if not is_instance(data, keras.utils.PyDataset):
        raise CheckError(f"{what} should be a keras.utils.PyDataset (subclass it); reread {PYDATASET_SECTION}")
    expected = math.ceil(len(x) / batch_size)
    if len(data) != expected:
        raise CheckError(f"len({what}) is {len(data)}, expected {expected}: {len(x)} examples make "
                         f"{expected} batches of {batch_size} when the last partial batch counts (math.ceil); "
                         f"reread {PYDATASET_SECTION}")


@public_test("ArrayBatches")
def array_batches_len_and_items(ArrayBatches):
    """ArrayBatches(x, y, batch_size=8) on 50 examples: len 7, every example once per epoch"""
    x, y = numbered_examples(50)
    data = ArrayBatches(x, y, batch_size=8)
    assert_array_batches(data, x, y, 8, "ArrayBatches(x, y, batch_size=8)")
    assert_one_epoch(epoch_batches(data), x, y, 8, "ArrayBatches(x, y, batch_size=8)", PYDATASET_SECTION)


@public_test("ArrayBatches")
def array_batches_shuffle(ArrayBatches):
    """ArrayBatches(x, y) is shuffled by its seed from the first epoch, and again in on_epoch_end"""
    x, y = numbered_examples(100)
    assert_pipeline(lambda seed: ArrayBatches(x, y, seed=seed), x, y, 32, 0, "ArrayBatches(x, y)",
                    PYDATASET_SECTION)


@public_test("ArrayBatches")
def array_batches_no_shuffle(ArrayBatches):
    """ArrayBatches(x, y, shuffle=False) keeps the original order"""
    x, y = numbered_examples(40)
    assert_pipeline(lambda seed: ArrayBatches(x, y, shuffle=False, seed=seed), x, y, 32, 0,
                    "ArrayBatches(x, y, shuffle=False)", PYDATASET_SECTION, shuffle=False)


# --- build_augmentation ----------------------------------------------------------------------

AUGMENTATION_LAYERS = ("RandomFlip", "RandomRotation", "RandomZoom")


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _all_layers(layer)


def assert_augmentation(augmentation, images: np.ndarray, what: str) -> None:
    """RandomFlip, RandomRotation and RandomZoom; training=True changes float32 images,
    training=False passes them unchanged; both keep the shape and dtype."""
    import keras

    if not is_instance(augmentation, keras.Model):
        raise CheckError(f"{what} should return a keras.Sequential of preprocessing layers, found "
                         f"{type_name(augmentation)}; reread {AUGMENT_SECTION}")
    names = {type(layer).__name__ for layer in _all_layers(augmentation)}
    missing = [name for name in AUGMENTATION_LAYERS if name not in names]
    if missing:
        raise CheckError(f"{what} has no {missing[0]} layer (found: {', '.join(sorted(names)) or 'no layers'}); "
                         f"it needs RandomFlip, RandomRotation and RandomZoom; reread {AUGMENT_SECTION}")
    for training in (True, False):
        out = keras.ops.convert_to_numpy(augmentation(images, training=training))
        call = f"{what}(images, training={training})"
        if out.shape != images.shape:
            raise CheckError(f"{call} has shape {out.shape}, expected the input's {images.shape}: augmentation "
                             f"keeps the image size; reread {AUGMENT_SECTION}")
        if out.dtype != images.dtype:
            raise CheckError(f"{call} has dtype {out.dtype}, expected {images.dtype}; reread {AUGMENT_SECTION}")
        if not np.all(np.isfinite(out)):
            raise CheckError(f"{call} holds NaN or infinite values; reread {AUGMENT_SECTION}")
        changed = float(np.max(np.abs(out - images)))
        if training and changed < 1e-3:
            raise CheckError(f"{call} returns the images unchanged: with training=True the random layers must "
                             f"flip, rotate and zoom them (non-zero factors); reread {AUGMENT_SECTION}")
        if not training and changed > 1e-6:
            raise CheckError(f"{call} changes the images (by up to {changed:.3g}): at inference, with "
                             f"training=False, augmentation layers pass images through unchanged; reread "
                             f"{AUGMENT_SECTION}")


@public_test("build_augmentation")
def augmentation_layers_and_modes(build_augmentation):
    """build_augmentation() changes float32 (4, 28, 28, 1) images with training=True, not with training=False"""
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    assert_augmentation(uncached(build_augmentation)(), images, "build_augmentation()")


# --- load_image_folder -----------------------------------------------------------------------

def write_image_folder(directory, classes, count: int = 3, size=(12, 10), channels: int = 1) -> Path:
    """One sub-folder per class, created in the order given, each holding ``count`` PNGs of one
    flat brightness that tells its class: class ``classes[k]`` gets brightness 30 + 40 * k plus a
    little per image. Returns ``directory``."""
    import keras

    directory = Path(directory)
    for k, name in enumerate(classes):
        (directory / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            image = np.full((*size, channels), 30 + 40 * k + i, dtype=np.uint8)
            keras.utils.save_img(directory / name / f"{name}_{i}.png", image, scale=False)
    return directory


@contextmanager
def image_folder(near, classes, count: int = 3, size=(12, 10), channels: int = 1):
    """A folder of ``write_image_folder``'s images where ``near`` (the student's function) can read
    it: in the student's kernel when ``near`` is a proxy there, else a temporary folder here."""
    from ..remote import bridge_of

    bridge = bridge_of(near)
    if bridge is not None:
        yield bridge.probe("write_image_folder", list(classes), count, list(size), channels)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        yield str(write_image_folder(tmp, classes, count, size, channels))


def brightness_class(value: float, classes) -> str:
    return classes[int(round((value - 30) / 40 - 0.1))]


def assert_image_folder(result, classes, count: int, image_size, batch_size: int, channels: int,
                        what: str) -> None:
    """(dataset, class_names): sorted class names, integer labels that match each image's folder,
    images of ``image_size`` with ``channels`` channels, batches of ``batch_size``."""
    import tensorflow as tf

    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckError(f"{what} should return a pair (dataset, class_names), found {type(result).__name__}; "
                         f"reread {FOLDER_SECTION}")
    dataset, names = result
    if not is_instance(dataset, tf.data.Dataset):
        raise CheckError(f"{what}[0] should be the tf.data.Dataset from image_dataset_from_directory, found "
                         f"{type_name(dataset)}; reread {FOLDER_SECTION}")
    if list(names) != sorted(classes):
        raise CheckError(f"{what} gives the class names {list(names)}, expected {sorted(classes)}: Keras sorts the "
                         f"folder names (label i is class_names[i]); reread {FOLDER_SECTION}")
    seen = {name: 0 for name in classes}
    sizes = []
    for images, labels in dataset:
        images, labels = images.numpy(), labels.numpy()
        sizes.append(len(images))
        if images.shape[1:] != (*image_size, channels):
            # a placeholder matches one character or more: the two plurals are two messages
            raise CheckError(f"{what} gives images of shape {images.shape[1:]}, expected {(*image_size, channels)} "
                             f"(image_size, then {channels} channels); reread {FOLDER_SECTION}" if channels > 1 else
                             f"{what} gives images of shape {images.shape[1:]}, expected {(*image_size, channels)} "
                             f"(image_size, then {channels} channel); reread {FOLDER_SECTION}")
        if images.dtype != np.float32:
            raise CheckError(f"{what} gives images of dtype {images.dtype}, expected float32 as "
                             f"image_dataset_from_directory gives them; reread {FOLDER_SECTION}")
        if images.size and images.max() <= 1.0:
            raise CheckError(f"{what} gives images scaled to [0, 1]: return them as image_dataset_from_directory "
                             f"gives them, with values 0..255 (scaling belongs in the model, layers.Rescaling); "
                             f"reread {FOLDER_SECTION}")
        if labels.dtype.kind not in "iu" or labels.shape != (len(images),):
            raise CheckError(f"{what} gives labels of shape {labels.shape} and dtype {labels.dtype}, expected "
                             f"integer class indices of shape (batch,) (label_mode='int'); reread {FOLDER_SECTION}")
        for image, label in zip(images, labels):
            truth = brightness_class(float(image.mean()), classes)
            if not 0 <= label < len(classes) or names[label] != truth:
                raise CheckError(f"{what} labels an image of folder {truth!r} as {int(label)}, but "
                                 f"class_names.index({truth!r}) is {sorted(classes).index(truth)}; reread "
                                 f"{FOLDER_SECTION}")
            seen[truth] += 1
    if any(n != count for n in seen.values()):
        raise CheckError(f"{what} gives {seen} images per class, expected {count} of each; reread {FOLDER_SECTION}")
    total = count * len(classes)
    expected = [batch_size] * (total // batch_size) + ([total % batch_size] if total % batch_size else [])
    if sizes != expected:
        raise CheckError(f"{what} gives batches of sizes {sizes}, expected {expected} (batch_size={batch_size}); "
                         f"reread {FOLDER_SECTION}")


@public_test("load_image_folder")
def image_folder_defaults(load_image_folder):
    """load_image_folder on folders 'b' and 'a' (3 PNGs each): 64x64 rgb, sorted class names"""
    import tempfile

    with image_folder(load_image_folder, ["b", "a"], count=3) as folder:
        assert_image_folder(uncached(load_image_folder)(folder), ["b", "a"], 3, (64, 64), 32, 3,
                            "load_image_folder(directory)")


# --- over-fitting and regularisation ----------------------------------------------------------------

OVERFIT_SECTION = N_("Over-fitting, and what regularisation does")
RANDOM_LAYERS = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
                 "RandomBrightness", "RandomCrop")


def _kernels(model) -> list:
    """The kernels of every Conv2D and Dense layer, nested models included, as arrays."""
    import keras

    from ..checks.summary import flat_layers

    return [np.asarray(keras.ops.convert_to_numpy(layer.kernel)) for layer in flat_layers(model)
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]


def _penalty(model, x) -> float:
    """The sum of the model's regularisation losses after a forward pass on ``x``."""
    import keras

    model(x, training=False)
    return float(sum(float(keras.ops.convert_to_numpy(loss)) for loss in model.losses))


def small_cnn_augmentation(seed: int = 0):
    """The judge's augmentation block: shifts only, which keep a digit a digit."""
    import keras

    return keras.Sequential([keras.layers.RandomTranslation(0.2, 0.2, fill_mode="constant", seed=seed)],
                            name="judges_augmentation")


def assert_small_cnn(build_small_cnn, input_shape=(28, 28, 1), num_classes: int = 10, dropout: float = 0.0,
                     l2: float = 0.0, augmented: bool = False, seed: int = 0) -> None:
    """``build_small_cnn(input_shape, num_classes, dropout, l2, augmentation)``: a model of Conv2D
    and Dense layers giving class probabilities; a Dropout of rate ``dropout`` when it is not 0 and
    none otherwise; an L2 penalty of ``l2`` on every Conv2D and Dense kernel (the judge computes it
    from the weights); the augmentation block given, before the first Conv2D; and nothing random
    at inference, nothing random in training either without dropout or augmentation."""
    import keras

    from ..checks.behaviour import assert_probabilities
    from ..checks.summary import flat_layers

    augmentation = small_cnn_augmentation(seed) if augmented else None
    call = (f"build_small_cnn({input_shape}, {num_classes}, dropout={dropout}, l2={l2}"
            f"{', augmentation=<a RandomTranslation block>' if augmented else ''})")
    model = build_small_cnn(input_shape, num_classes, dropout=dropout, l2=l2, augmentation=augmentation)
    if not isinstance(model, keras.Model):
        raise CheckError(f"{call} should return a keras.Model, found {type(model).__name__}. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    layers_ = list(flat_layers(model))
    kinds = [type(layer).__name__ for layer in layers_]
    if "Conv2D" not in kinds or "Dense" not in kinds:
        raise CheckError(f"{call} has layers {kinds}: a small CNN has at least one Conv2D and a Dense output. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    x = np.random.default_rng(seed).uniform(0, 1, (4, *input_shape)).astype("float32")
    assert_probabilities(model, x)
    rates = [layer.rate for layer in layers_ if isinstance(layer, keras.layers.Dropout)]
    if dropout and not any(abs(rate - dropout) < 1e-9 for rate in rates):
        raise CheckError(f"{call} has Dropout rates {rates}, expected a Dropout(rate={dropout}). "
                         f"Reread \"{OVERFIT_SECTION}\".")
    if not dropout and any(rate > 0 for rate in rates):
        raise CheckError(f"{call} has Dropout rates {rates} where dropout=0 asks for none. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    expected_penalty = l2 * sum(float(np.sum(kernel.astype("float64") ** 2)) for kernel in _kernels(model))
    penalty = _penalty(model, x)
    if abs(penalty - expected_penalty) > 1e-4 * max(1.0, expected_penalty):
        raise CheckError(f"{call} adds a penalty of {penalty:.6g} to the loss (the sum of model.losses), expected "
                         f"{expected_penalty:.6g}: l2 times the sum of the squared weights of every Conv2D and Dense "
                         f"kernel, keras.regularizers.L2(l2) as each one's kernel_regularizer (and none when l2 is "
                         f"0). Reread \"{OVERFIT_SECTION}\".")
    random_before_conv = []
    for layer in layers_:
        if isinstance(layer, keras.layers.Conv2D):
            break
        if type(layer).__name__ in RANDOM_LAYERS:
            random_before_conv.append(type(layer).__name__)
    random_anywhere = [kind for kind in kinds if kind in RANDOM_LAYERS]
    if augmented and "RandomTranslation" not in random_before_conv:
        raise CheckError(f"{call} has random layers {random_before_conv} before its first Conv2D: put the "
                         f"augmentation block it is given right after the Input. Reread \"{OVERFIT_SECTION}\".")
    if not augmented and random_anywhere:
        raise CheckError(f"{call} has random layers {random_anywhere} where augmentation=None asks for none. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    inference = [keras.ops.convert_to_numpy(model(x, training=False)) for _ in range(2)]
    training = keras.ops.convert_to_numpy(model(x, training=True))
    if not np.allclose(inference[0], inference[1], atol=1e-6):
        raise CheckError(f"{call} gives different outputs for the same images at inference (training=False): "
                         f"nothing may be random there. Reread \"{OVERFIT_SECTION}\".")
    random_in_training = not np.allclose(training, inference[0], atol=1e-6)
    if random_in_training != bool(dropout or augmented):
        raise CheckError(f"{call} changes its outputs in training mode, where only dropout and augmentation "
                         f"should. Reread \"{OVERFIT_SECTION}\"." if random_in_training else
                         f"{call} does not change its outputs in training mode, where only dropout and "
                         f"augmentation should. Reread \"{OVERFIT_SECTION}\".")


def gap_case(seed: int = 0, count: int = 40, features: int = 6, classes: int = 3):
    """The judge's small compiled classifier and two labelled sets for generalization_gap."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((features,)), keras.layers.Dense(classes, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(seed)
    x_train, x_val = (rng.normal(size=(n, features)).astype("float32") for n in (count, count // 2 + 1))
    probs = [keras.ops.convert_to_numpy(model(x)) for x in (x_train, x_val)]
    # labels right about 80% of the time on the training set, 50% on the validation set
    y_train = np.where(rng.random(len(x_train)) < 0.8, probs[0].argmax(1), rng.integers(0, classes, len(x_train)))
    y_val = np.where(rng.random(len(x_val)) < 0.5, probs[1].argmax(1), rng.integers(0, classes, len(x_val)))
    return model, x_train, y_train.astype("int64"), x_val, y_val.astype("int64")


def reference_gap(model, x_train, y_train, x_val, y_val) -> dict:
    import keras

    def accuracy(x, y):
        return float(np.mean(keras.ops.convert_to_numpy(model(x, training=False)).argmax(axis=1) == y))

    train, val = accuracy(x_train, y_train), accuracy(x_val, y_val)
    return {"train_accuracy": train, "val_accuracy": val, "gap": train - val}


def assert_gap_report(report, expected: dict, what: str) -> None:
    """A generalization_gap result: a dict with the three numbers the judge measured."""
    if not isinstance(report, dict) or set(report) != set(expected):
        keys = sorted(report) if isinstance(report, dict) else type(report).__name__
        raise CheckError(f"{what} should be a dict with the keys {sorted(expected)}, found {keys}. "
                         f"Reread \"{OVERFIT_SECTION}\".")
    for key, wanted in expected.items():
        try:
            found = float(report[key])
        except (TypeError, ValueError):
            raise CheckError(f"{what}[{key!r}] should be a number, found {type(report[key]).__name__}") from None
        if abs(found - wanted) > 2e-3:
            hint = ("train_accuracy - val_accuracy" if key == "gap" else
                    N_("the share of images whose most probable class is the label, with the model in inference "
                       "mode (predict, or evaluate with an accuracy metric)"))
            raise CheckError(f"{what}[{key!r}] is {found:.4f}, expected {wanted:.4f}: {hint}. "
                             f"Reread \"{OVERFIT_SECTION}\".")


def assert_generalization_gap(generalization_gap, seed: int = 0, count: int = 40) -> None:
    model, x_train, y_train, x_val, y_val = gap_case(seed, count)
    expected = reference_gap(model, x_train, y_train, x_val, y_val)
    report = generalization_gap(model, x_train, y_train, x_val, y_val)
    assert_gap_report(report, expected,
                      N_(f"generalization_gap(model, {count} training, {len(x_val)} validation examples)"))


@public_test("small_cnn")
def small_cnn_plain(build_small_cnn):
    """build_small_cnn() has Conv2D and Dense layers, no dropout, no penalty, nothing random"""
    assert_small_cnn(build_small_cnn)


@public_test("small_cnn")
def small_cnn_regularised(build_small_cnn):
    """build_small_cnn(dropout=0.5, l2=1e-3, augmentation=...) has all three"""
    assert_small_cnn(build_small_cnn, dropout=0.5, l2=1e-3, augmented=True)


@public_test("overfitting")
def gap_of_a_small_model(generalization_gap):
    """generalization_gap measures training and validation accuracy and their difference"""
    assert_generalization_gap(generalization_gap)
