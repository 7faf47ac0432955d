"""Public tests of chapter 6: a DCGAN with a custom train_step.

They check the defaults the exercise text states. The hidden tests (in the instructor's notebook
only) try other latent sizes, input shapes and batch sizes, and probe one ``train_step`` with
one optimizer at learning rate 0. The probes below are shared with them: tiny models, so that a
step runs eagerly in milliseconds, and a fixed batch of noise, so that the effect of a step is
measured the same way every time. What only the hidden tests use is in
autograder/grading/hidden/ch06_gan.py, which students' images do not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import CheckError, assert_input_shape, assert_output_range, predict
from ..checks.errors import stage_error
from ..checks.summary import flat_layers
from ..i18n.messages import N_
from . import public_test

# Where a student reads again when a test fails (the notebook's section titles).
GENERATOR_SECTION = N_("reread 'Exercise 1 — build_generator'")
DISCRIMINATOR_SECTION = N_("reread 'Exercise 2 — build_discriminator'")
STEP_SECTION = N_("reread 'The Keras 3 way: a custom train_step'")
IMAGES_SECTION = N_("reread 'Exercise 4 — generate_images'")
GRID_SECTION = N_("reread 'Exercise 5 — plot_image_grid'")

UPSAMPLING_LAYERS = ("Conv2DTranspose", "UpSampling2D")


# --- shared helpers (public and hidden tests) -------------------------------------------------

def assert_is_model(model, what: str) -> None:
    import keras

    if model is None:
        raise CheckError(f"{what} returned None: did the function forget to `return` the model?")
    if not isinstance(model, keras.Model):
        raise CheckError(f"{what} should return a keras.Model, got {type(model).__name__}")


def assert_generator(build_generator, latent_dim: int, batch: int, scale: float = 1.0) -> np.ndarray:
    """build_generator(latent_dim) maps (batch, latent_dim) noise to (batch, 28, 28, 1) in [-1, 1]."""
    what = f"build_generator(latent_dim={latent_dim})"
    model = build_generator(latent_dim=latent_dim)
    assert_is_model(model, what)
    if tuple(model.input_shape) != (None, latent_dim):
        raise CheckError(f"{what} takes inputs of shape {tuple(model.input_shape)}, expected (None, {latent_dim}): "
                         f"build the model from keras.Input(shape=(latent_dim,)); {GENERATOR_SECTION}")
    if tuple(model.output_shape) != (None, 28, 28, 1):
        raise CheckError(f"{what} gives outputs of shape {tuple(model.output_shape)}, expected "
                         f"(None, 28, 28, 1): reshape to 7x7 and upsample twice; {GENERATOR_SECTION}")
    z = np.random.default_rng(latent_dim).normal(size=(batch, latent_dim)).astype("float32") * scale
    images = predict(model, z)
    if images.shape != (batch, 28, 28, 1):
        raise CheckError(f"{what} on a batch of {batch} gave shape {images.shape}, expected ({batch}, 28, 28, 1)")
    noise = N_(f"noise of scale {scale:g}") if scale != 1 else N_("normal noise")
    try:
        assert_output_range(images, -1.0, 1.0, N_(f"{what}'s output for {noise}"))
    except CheckError as error:
        raise CheckError(f'{error}: end with activation="tanh", as the real images are scaled to [-1, 1]; '
                         f"{GENERATOR_SECTION}") from None
    if images.min() >= 0:
        raise CheckError(f"{what}'s output has no negative values (from {images.min():.3g} to {images.max():.3g}), "
                         'but real images are scaled to [-1, 1]: end with activation="tanh", not sigmoid or '
                         f"relu; {GENERATOR_SECTION}")
    return images


def assert_upsamples(model, what: str) -> None:
    """At least one Conv2DTranspose or UpSampling2D layer that makes the image larger."""
    layers = list(flat_layers(model))
    kinds = [type(layer).__name__ for layer in layers]
    upsampling = [layer for layer in layers if type(layer).__name__ in UPSAMPLING_LAYERS]
    if not upsampling:
        raise CheckError(f"{what} has no Conv2DTranspose or UpSampling2D layer (found {', '.join(kinds)}): "
                         f"a DCGAN generator upsamples from 7x7 to 28x28; {GENERATOR_SECTION}")
    if not any(_enlarges(layer) for layer in upsampling):
        raise CheckError(f"{what} has a {type(upsampling[0]).__name__}, but none makes the image larger "
                         f"(strides=1): upsample 7x7 -> 14x14 -> 28x28 with strides=2; {GENERATOR_SECTION}")


def _enlarges(layer) -> bool:
    try:
        before, after = tuple(layer.input.shape), tuple(layer.output.shape)
    except (AttributeError, ValueError):  # a layer used twice, or not built: judge by its settings
        factor = getattr(layer, "strides", None) or getattr(layer, "size", None) or (1,)
        return any(int(f) > 1 for f in factor)
    spatial = slice(2, 4) if getattr(layer, "data_format", "channels_last") == "channels_first" else slice(1, 3)
    area = lambda shape: int(np.prod([d or 0 for d in shape[spatial]]))  # noqa: E731
    return len(before) == len(after) == 4 and area(after) > area(before)


def assert_discriminator(build_discriminator, input_shape: tuple, batch: int, scale: float = 1.0) -> np.ndarray:
    """build_discriminator(input_shape) maps (batch, *input_shape) to (batch, 1) probabilities."""
    what = f"build_discriminator(input_shape={input_shape})"
    model = build_discriminator(input_shape=input_shape)
    assert_is_model(model, what)
    assert_input_shape(model, input_shape, what)
    if tuple(model.output_shape) != (None, 1):
        raise CheckError(f"{what} gives outputs of shape {tuple(model.output_shape)}, expected (None, 1): "
                         f"end with Flatten and Dense(1, activation=\"sigmoid\"); {DISCRIMINATOR_SECTION}")
    x = np.random.default_rng(batch).uniform(-1, 1, size=(batch, *input_shape)).astype("float32") * scale
    scores = predict(model, x)
    if scores.shape != (batch, 1):
        raise CheckError(f"{what} on a batch of {batch} gave shape {scores.shape}, expected ({batch}, 1)")
    inputs = N_(f"inputs of scale {scale:g}") if scale != 1 else N_("inputs in [-1, 1]")
    try:
        assert_output_range(scores, 0.0, 1.0, N_(f"{what}'s output for {inputs}"))
    except CheckError as error:
        raise CheckError(f'{error}: it is the probability that the image is real, so end with '
                         f'activation="sigmoid"; {DISCRIMINATOR_SECTION}') from None
    return scores


def tiny_models(latent_dim: int, image_shape: tuple, seed: int = 0):
    """A small dense generator and discriminator: any pair must work with the GAN class."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([
        keras.Input((latent_dim,)), layers.Dense(16, activation="relu"),
        layers.Dense(int(np.prod(image_shape)), activation="tanh"), layers.Reshape(image_shape),
    ], name="tiny_generator")
    discriminator = keras.Sequential([
        keras.Input(image_shape), layers.Flatten(), layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name="tiny_discriminator")
    return generator, discriminator


def binary_crossentropy():
    import keras

    return keras.losses.BinaryCrossentropy()


@dataclass
class StepEffect:
    """What one train_step did, measured on a fixed batch of real images and of noise."""

    gap_before: float  # mean D(real) - mean D(G(z))
    gap_after: float
    fake_score_before: float  # mean D(G(z))
    fake_score_after: float
    generator_change: float  # largest change of a trainable generator weight
    discriminator_change: float
    d_loss: float
    g_loss: float


def _scores(generator, discriminator, real, z):
    fake_score = float(predict(discriminator, predict(generator, z)).mean())
    return float(predict(discriminator, real).mean()) - fake_score, fake_score


def _weights(model):
    import keras

    return [keras.ops.convert_to_numpy(v).copy() for v in model.trainable_weights]


def _largest_change(before, after) -> float:
    return max((float(np.abs(a - b).max()) for a, b in zip(before, after)), default=0.0)


def loss_value(logs, key: str) -> float:
    """logs[key] as a float, with a message that says what train_step should return."""
    if not isinstance(logs, dict):
        raise CheckError(f'train_step should return a dict {{"d_loss": ..., "g_loss": ...}}, got '
                         f"{type(logs).__name__}; {STEP_SECTION}")
    if key not in logs:
        raise CheckError(f"train_step returned the keys {sorted(logs)}, expected \"d_loss\" and \"g_loss\"; "
                         f"{STEP_SECTION}")
    try:
        value = float(np.asarray(logs[key]))
    except (TypeError, ValueError):
        raise CheckError(f"train_step's {key} should be a scalar loss, got {np.shape(logs[key])}") from None
    if not np.isfinite(value):
        raise CheckError(f"train_step's {key} is {value}: the loss should be finite; {STEP_SECTION}")
    return value


def one_train_step(GAN, generator, discriminator, latent_dim: int, d_lr: float, g_lr: float, real,
                   loss: str = "binary_crossentropy") -> dict:
    """GAN(generator, discriminator, latent_dim) compiled with plain SGD at the given rates and a loss
    named in probe_library.GAN_LOSSES, after one train_step on ``real`` in the student's kernel:
    ``{"logs": ..., "generator": ..., "discriminator": ...}`` as they are after the step."""
    from ..remote import run_probe

    import keras

    try:
        return run_probe("gan_train_step", GAN, generator, discriminator, latent_dim, d_lr, g_lr, real, loss)
    except TypeError as error:
        if keras.config.backend() != "jax" or "positional argument" not in str(error):
            raise
        raise CheckError(  # a TensorFlow-style train_step(data) on JAX
            f"train_step failed on JAX ({error}): Keras calls train_step(state, data) there; write the step in "
            f"jax_train_step and keep the given lines that make train_step from it; {STEP_SECTION}") from None
    except ValueError as error:
        if "originally built with" not in str(error):
            raise
        raise CheckError(
            "one optimizer was applied to the weights of both networks (Keras: \"This optimizer can only be "
            "called for the variables it was originally built with\"): apply d_optimizer only to "
            "discriminator.trainable_weights and g_optimizer only to generator.trainable_weights; "
            f"{STEP_SECTION}") from None


def step_effect(GAN, *, d_lr: float, g_lr: float, latent_dim: int = 3, image_shape=(4, 4, 1),
                batch: int = 32, seed: int = 0, loss: str = "binary_crossentropy") -> StepEffect:
    """Build GAN(generator, discriminator, latent_dim) on tiny models, compile it with plain SGD at
    the given learning rates and a loss named in probe_library.GAN_LOSSES, run one train_step on a
    fixed batch of real images (in the student's kernel), and measure here what it did."""
    generator, discriminator = tiny_models(latent_dim, image_shape, seed)
    rng = np.random.default_rng(seed)
    # "Real" images: bright, smooth patterns, unlike the tiny generator's first outputs.
    real = np.clip(rng.normal(0.6, 0.2, size=(batch, *image_shape)), -1, 1).astype("float32")
    z = rng.normal(size=(256, latent_dim)).astype("float32")
    gap_before, fake_before = _scores(generator, discriminator, real, z)
    g_before, d_before = _weights(generator), _weights(discriminator)
    after = one_train_step(GAN, generator, discriminator, latent_dim, d_lr, g_lr, real, loss)
    logs, generator, discriminator = after["logs"], after["generator"], after["discriminator"]
    d_loss, g_loss = loss_value(logs, "d_loss"), loss_value(logs, "g_loss")

    gap_after, fake_after = _scores(generator, discriminator, real, z)
    return StepEffect(gap_before, gap_after, fake_before, fake_after,
                      _largest_change(g_before, _weights(generator)),
                      _largest_change(d_before, _weights(discriminator)), d_loss, g_loss)


def displayed_images(fig) -> list[tuple[object, np.ndarray]]:
    """(axes, image array) for every axes of a figure that shows an image."""
    shown = []
    for ax in fig.get_axes():
        for image in ax.get_images():
            shown.append((ax, np.asarray(image.get_array(), dtype=float)))
    return shown


# Colormaps that draw a single-channel image in grey (dark to light or light to dark).
GREY_CMAPS = {"gray", "grey", "Greys", "Greys_r", "binary", "binary_r", "gist_gray", "gist_grey", "gist_gray_r",
              "gist_grey_r", "gray_r", "grey_r", "gist_yarg", "gist_yerg", "gist_yarg_r", "gist_yerg_r"}


def image_cmaps(fig) -> list[str]:
    """The colormap of every image of a figure, by name."""
    return [image.get_cmap().name for ax in fig.get_axes() for image in ax.get_images()]


def has_ticks(ax) -> bool:
    """Ticks show unless the axis is switched off or both tick lists are empty."""
    return bool(ax.axison and (len(ax.get_xticks()) or len(ax.get_yticks())))


def assert_image_grid(plot_image_grid, images: np.ndarray, rows: int, cols: int, by_keyword: bool = True) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    call = f"plot_image_grid(images, rows={rows}, cols={cols})" if by_keyword else "plot_image_grid(images)"
    try:
        try:
            fig = plot_image_grid(images, rows=rows, cols=cols) if by_keyword else plot_image_grid(images)
        except (AttributeError, TypeError, IndexError, ValueError) as error:
            hint = (N_(" plt.subplots(1, 1) returns a single Axes, not an array: pass squeeze=False")
                    if rows == 1 or cols == 1 else
                    N_(f" it is given {len(images)} images: show only the first rows * cols = {rows * cols}")
                    if len(images) > rows * cols else "")
            raise CheckError(f"{call} raised {type(error).__name__}: {error}.{hint}; {GRID_SECTION}") from None
        if not isinstance(fig, Figure):
            raise CheckError(f"{call} should return a matplotlib Figure, got {type(fig).__name__}; {GRID_SECTION}")
        shown = displayed_images(fig)
        axes_with_images = {id(ax) for ax, _ in shown}
        if len(shown) != rows * cols or len(axes_with_images) != rows * cols:
            raise CheckError(f"{call} should show {rows * cols} images on {rows * cols} axes, one each; found "
                             f"{len(shown)} images on {len(axes_with_images)} axes; {GRID_SECTION}")
        xs = {round(ax.get_position().x0, 3) for ax, _ in shown}
        ys = {round(ax.get_position().y0, 3) for ax, _ in shown}
        if (len(ys), len(xs)) != (rows, cols):
            raise CheckError(f"{call} should lay the images out in {rows} rows and {cols} columns, found "
                             f"{len(ys)} rows and {len(xs)} columns; {GRID_SECTION}")
        wanted = [np.asarray(img, dtype=float).reshape(images.shape[1:3]) for img in images[: rows * cols]]
        for i, img in enumerate(wanted):
            if not any(arr.shape[:2] == img.shape and np.allclose(arr.reshape(img.shape), img) for _, arr in shown):
                raise CheckError(f"{call} does not show images[{i}]: draw each of the images it is given "
                                 f"with ax.imshow; {GRID_SECTION}")
        colored = [name for name in image_cmaps(fig) if name not in GREY_CMAPS]
        if colored:
            raise CheckError(f"{call} draws the images with the {colored[0]!r} colormap: the digits are grey, pass "
                             f'cmap="gray" to ax.imshow; {GRID_SECTION}')
        ticked = [ax for ax, _ in shown if has_ticks(ax)]
        if ticked:
            raise CheckError(f"{call}: {len(ticked)} of the axes still show ticks; hide them with "
                             f"ax.axis(\"off\") or ax.set_xticks([]) and ax.set_yticks([]); {GRID_SECTION}")
    finally:
        plt.close("all")


def assert_generated_images(images, n: int, what: str) -> np.ndarray:
    if images is None:
        raise CheckError(f"{what} returned None: return the images as a NumPy array; {IMAGES_SECTION}")
    images = np.asarray(images)
    if images.shape != (n, 28, 28):
        raise CheckError(f"{what} returned shape {images.shape}, expected ({n}, 28, 28): drop the channel axis "
                         f"(images[..., 0]); {IMAGES_SECTION}")
    if not np.issubdtype(images.dtype, np.floating):
        raise CheckError(f"{what} returned {images.dtype} values, expected floats in [0, 1]; {IMAGES_SECTION}")
    try:
        assert_output_range(images, 0.0, 1.0, f"the images of {what}")
    except CheckError as error:
        raise CheckError(f"{error}: map the generator's tanh output from [-1, 1] to [0, 1] with (x + 1) / 2; "
                         f"{IMAGES_SECTION}") from None
    return images


# --- Exercise 1: the generator -----------------------------------------------------------------

@public_test("generator")
def generator_shapes_and_range(build_generator):
    """build_generator() maps (None, 100) noise to (None, 28, 28, 1) images in [-1, 1] (tanh)"""
    assert_generator(build_generator, 100, batch=4)


@public_test("generator")
def generator_upsamples(build_generator):
    """build_generator() upsamples with Conv2DTranspose (or UpSampling2D + Conv2D)"""
    assert_upsamples(build_generator(), "build_generator()")


# --- Exercise 2: the discriminator -------------------------------------------------------------

@public_test("discriminator")
def discriminator_shapes_and_range(build_discriminator):
    """build_discriminator() maps (None, 28, 28, 1) images to (None, 1) probabilities (sigmoid)"""
    assert_discriminator(build_discriminator, (28, 28, 1), batch=4)


# --- Exercise 3: the GAN class -----------------------------------------------------------------

@public_test("gan")
def gan_step_returns_losses(GAN):
    """GAN(generator, discriminator, latent_dim).train_step returns finite d_loss and g_loss"""
    step_effect(GAN, d_lr=0.1, g_lr=0.1)


@public_test("gan")
def gan_step_trains_both_networks(GAN):
    """one train_step changes the weights of both the discriminator and the generator"""
    effect = step_effect(GAN, d_lr=0.1, g_lr=0.1)
    for name, change in (("discriminator", effect.discriminator_change), ("generator", effect.generator_change)):
        if change == 0:
            raise CheckError(f"one train_step left the {name}'s weights unchanged: compute the gradients of its "
                             "loss (with a GradientTape on TensorFlow, jax.value_and_grad on JAX) and apply them "
                             f"with its optimizer; {STEP_SECTION}")


# --- Exercise 4: generate_images ----------------------------------------------------------------

@public_test("generate_images")
def images_in_unit_range(generate_images, build_generator):
    """generate_images(generator, 16) gives 16 images of 28x28 in [0, 1]"""
    assert_generated_images(generate_images(build_generator(), 16), 16, "generate_images(generator, 16)")


@public_test("generate_images")
def images_repeat_with_the_seed(generate_images, build_generator):
    """generate_images gives the same images for the same seed"""
    generator = build_generator()
    # Spelled two ways, as check() remembers a call with the very same arguments.
    first, second = generate_images(generator, 4, seed=3), generate_images(generator, 4, 100, 3)
    if not np.allclose(np.asarray(first), np.asarray(second)):
        raise CheckError("generate_images(generator, 4, seed=3) gave other images on a second call: draw the "
                         f"noise from np.random.default_rng(seed); {IMAGES_SECTION}")


# --- Exercise 5: plot_image_grid ----------------------------------------------------------------

@public_test("plot_image_grid")
def grid_of_sixteen(plot_image_grid):
    """plot_image_grid(images) shows 16 images on a 4x4 grid of axes without ticks"""
    images = np.random.default_rng(0).random((16, 28, 28))
    assert_image_grid(plot_image_grid, images, 4, 4, by_keyword=False)


# --- watching a GAN learn: a grid of samples per epoch -------------------------------------------

PROGRESS_SECTION = N_("reread 'Exercise 6 — SampleGrid'")


def reference_grid(images, rows: int, cols: int) -> np.ndarray:
    """``rows * cols`` images of (H, W[, 1]) in [-1, 1] tiled row by row into one (rows*H, cols*W)
    picture in [0, 1]."""
    images = np.asarray(images)[: rows * cols]
    if images.ndim == 4:
        images = images[..., 0]
    height, width = images.shape[1:3]
    tiled = images.reshape(rows, cols, height, width).transpose(0, 2, 1, 3).reshape(rows * height, cols * width)
    return (tiled + 1.0) / 2.0


def progress_case(latent_dim: int = 6, rows: int = 2, cols: int = 3, epochs: int = 3, seed: int = 0,
                  generator=None):
    """The judge's generator (a tiny one unless given), fixed noise, and one set of generator weights
    per epoch."""
    import keras

    if generator is None:
        generator, _ = tiny_models(latent_dim, (28, 28, 1), seed=seed)
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(rows * cols, latent_dim)).astype("float32")
    start = generator.get_weights()
    moving = ["moving" in variable.path for variable in generator.weights]  # BatchNormalization statistics stay
    weight_sets = [[w if fixed else w + rng.normal(scale=0.3 * epoch, size=w.shape).astype(w.dtype)
                    for w, fixed in zip(start, moving)] for epoch in range(epochs)]
    expected = []
    for weights in weight_sets:
        generator.set_weights(weights)
        expected.append(reference_grid(keras.ops.convert_to_numpy(generator(noise, training=False)), rows, cols))
    generator.set_weights(start)
    return generator, noise, weight_sets, expected


def assert_sample_grid(SampleGrid, latent_dim: int = 6, rows: int = 2, cols: int = 3, epochs: int = 3,
                       seed: int = 0, generator=None) -> None:
    """``SampleGrid(noise, rows, cols)`` given a model whose ``generator`` the judge changes between
    epochs: after each ``on_epoch_end`` its ``grids`` holds one more picture, the generator's images
    of that same noise in inference mode, tiled row by row and scaled to [0, 1]."""
    from ..checks.arrays import assert_array_matches
    from ..remote import run_probe

    generator, noise, weight_sets, expected = progress_case(latent_dim, rows, cols, epochs, seed, generator)
    what = f"SampleGrid(noise of {len(noise)}, rows={rows}, cols={cols})"
    report = run_probe("sample_grid_trial", SampleGrid, generator, noise, rows, cols, weight_sets)
    if report.get("failed"):
        raise stage_error(report, lambda stage, error: N_(
            f"{what}: {error} (while {stage}): __init__(self, noise, rows=2, cols=4) keeps the noise and calls "
            f"super().__init__(); on_epoch_end(self, epoch, logs=None) reads self.model.generator; "
            f"{PROGRESS_SECTION}"))
    grids = report.get("grids")
    if not isinstance(grids, list) or len(grids) != epochs:
        found = len(grids) if isinstance(grids, list) else type(grids).__name__
        raise CheckError(f"{what}.grids holds {found} pictures after {epochs} epochs, expected {epochs}: one per "
                         f"on_epoch_end, in a list that starts empty; {PROGRESS_SECTION}")
    height, width = rows * 28, cols * 28
    for epoch, (grid, wanted) in enumerate(zip(grids, expected)):
        shape = np.shape(grid)
        if shape != (height, width):
            raise CheckError(f"{what}.grids[{epoch}] has shape {shape}, expected ({height}, {width}): {rows} rows "
                             f"of {cols} images of 28x28 side by side, one 2-D picture; {PROGRESS_SECTION}")
        grid = np.asarray(grid, dtype="float32")
        hint = _grid_slip(grid, wanted, rows, cols)
        if hint:
            raise CheckError(f"{what}.grids[{epoch}] {hint}; {PROGRESS_SECTION}")
        assert_array_matches(grid, wanted, rtol=1e-4, atol=1e-4,
                             what=f"{what}.grids[{epoch}] (the generator's images of the same noise in inference "
                                  f"mode, training=False, tiled row by row and scaled from [-1, 1] to [0, 1])")


def _grid_slip(grid: np.ndarray, wanted: np.ndarray, rows: int, cols: int) -> str:
    """What a grid that is not the expected one got wrong, when it is one of the usual slips."""
    def close(a, b):
        return a.shape == b.shape and np.allclose(a, b, atol=1e-4)

    if close(grid, wanted):
        return ""
    if close(grid, wanted * 2.0 - 1.0):
        return N_("holds the generator's values in [-1, 1]: scale them to [0, 1] with (images + 1) / 2")
    images = wanted.reshape(rows, 28, cols, 28).transpose(0, 2, 1, 3).reshape(rows * cols, 28, 28)
    by_column = images.reshape(cols, rows, 28, 28).transpose(1, 2, 0, 3).reshape(rows * 28, cols * 28)
    if rows > 1 and cols > 1 and close(grid, by_column):
        return N_(f"holds the images column by column: tile them row by row, image k at row k // {cols} and "
                  f"column k % {cols}")
    return ""


@public_test("sample_grid")
def grid_per_epoch(SampleGrid):
    """SampleGrid records one picture per epoch: the same noise, tiled row by row, in [0, 1]"""
    assert_sample_grid(SampleGrid)
