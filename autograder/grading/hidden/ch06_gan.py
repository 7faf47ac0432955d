"""Chapter 6's hidden-test helpers (grader only; the shared ones stay in autograder/exercises/ch06_gan.py):
the hidden tests' probes of one train_step with one optimizer at learning rate 0, in training mode and
with a batch whose size the step must read, a fit on real digits, and a generator of constant output.
"""

from __future__ import annotations

import numpy as np

from ...checks import CheckError
from ...exercises.ch06_gan import STEP_SECTION, StepEffect, loss_value, one_train_step, tiny_models
from ...i18n.messages import N_


def fit_history(GAN, latent_dim: int = 6, batch_size: int = 16, count: int = 48, epochs: int = 2,
                seed: int = 4) -> dict:
    """The history of GAN(...).fit on ``count`` real digits in [-1, 1] (run in the student's kernel)."""
    from ...remote import run_probe

    generator, discriminator = tiny_models(latent_dim, (28, 28, 1), seed=seed)
    return run_probe("gan_fit", GAN, generator, discriminator, latent_dim, digit_images(count), batch_size, epochs)


def assert_discriminator_step(effect: StepEffect) -> None:
    """With the generator's optimizer at 0: D(real) - D(G(z)) widens, the generator stays put."""
    if effect.generator_change > 0:
        raise CheckError(
            f"with g_optimizer at learning rate 0, a train_step changed the generator's weights (by up to "
            f"{effect.generator_change:.3g}): apply each optimizer only to its own network's "
            f"trainable_weights; {STEP_SECTION}")
    if not effect.gap_after > effect.gap_before + 1e-4:
        raise CheckError(
            f"with g_optimizer at learning rate 0, a train_step should widen the gap D(real) - D(G(z)) "
            f"between the discriminator's scores of real and generated images, but it went from "
            f"{effect.gap_before:.4f} to {effect.gap_after:.4f}: train the discriminator with loss_fn "
            f"toward label 1 for real images and label 0 for generated ones; {STEP_SECTION}")


def assert_generator_step(effect: StepEffect) -> None:
    """With the discriminator's optimizer at 0: D(G(z)) rises, the discriminator stays put."""
    if effect.discriminator_change > 0:
        raise CheckError(
            f"with d_optimizer at learning rate 0, a train_step changed the discriminator's weights (by up "
            f"to {effect.discriminator_change:.3g}): the generator step must update only "
            f"generator.trainable_weights; {STEP_SECTION}")
    if not effect.fake_score_after > effect.fake_score_before + 1e-4:
        raise CheckError(
            f"with d_optimizer at learning rate 0, a train_step should raise the discriminator's score of "
            f"generated images D(G(z)), but it went from {effect.fake_score_before:.4f} to "
            f"{effect.fake_score_after:.4f}: train the generator with loss_fn toward label 1 (\"real\"); "
            f"{STEP_SECTION}")


def digit_images(count: int) -> np.ndarray:
    """``count`` real digits scaled to [-1, 1], shape (count, 28, 28, 1), float32."""
    from ...data import load_mnist

    x = load_mnist("digits").x_train[:count]  # offline, the same digits for everyone; it prints one line
    return x.astype("float32")[..., None] / 127.5 - 1.0


def generator_with_constant_output(latent_dim: int, value: float):
    """A 'generator' whose every pixel is tanh(c) = value, whatever the noise."""
    import keras
    from keras import layers

    bias = float(np.arctanh(value))
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(28 * 28, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(bias)),
        layers.Activation("tanh"), layers.Reshape((28, 28, 1)),
    ])


def generator_with_batch_norm(latent_dim: int, value: float):
    """A 'generator' with BatchNormalization: every pixel is tanh(c) = value in inference mode (the
    moving statistics, fresh, change nothing) and exactly 0 in training mode (the batch's own
    statistics: every row is the same c, so each normalizes to 0)."""
    import keras
    from keras import layers

    bias = float(np.arctanh(value))
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(28 * 28, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(bias)),
        layers.BatchNormalization(), layers.Activation("tanh"), layers.Reshape((28, 28, 1)),
    ])


def _real_batch(batch: int, image_shape, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.6, 0.2, size=(batch, *image_shape)), -1, 1).astype("float32")


def batch_norm_models(latent_dim: int, image_shape: tuple, seed: int = 0):
    """A tiny generator and discriminator, each with a BatchNormalization layer after its first Dense."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([
        keras.Input((latent_dim,)), layers.Dense(16), layers.BatchNormalization(), layers.Activation("relu"),
        layers.Dense(int(np.prod(image_shape)), activation="tanh"), layers.Reshape(image_shape),
    ], name="tiny_bn_generator")
    discriminator = keras.Sequential([
        keras.Input(image_shape), layers.Flatten(), layers.Dense(8), layers.BatchNormalization(),
        layers.Activation("relu"), layers.Dense(1, activation="sigmoid"),
    ], name="tiny_bn_discriminator")
    return generator, discriminator


def moving_statistics(model) -> list[np.ndarray]:
    """The moving mean and variance of every BatchNormalization layer of a model."""
    import keras

    return [keras.ops.convert_to_numpy(v).copy() for layer in model.layers
            if type(layer).__name__ == "BatchNormalization" for v in (layer.moving_mean, layer.moving_variance)]


def assert_trains_in_training_mode(GAN, latent_dim: int = 3, image_shape=(4, 4, 1), batch: int = 16,
                                   seed: int = 5) -> None:
    """Both networks run with ``training=True`` in train_step: each one's BatchNormalization updates its
    moving statistics, which it does in training mode only (both learning rates 0: no weight moves)."""
    generator, discriminator = batch_norm_models(latent_dim, image_shape, seed)
    before = {"generator": moving_statistics(generator), "discriminator": moving_statistics(discriminator)}
    after = one_train_step(GAN, generator, discriminator, latent_dim, 0.0, 0.0, _real_batch(batch, image_shape, seed))
    calls = {"generator": "self.generator(z, training=True)", "discriminator": "self.discriminator(images, training=True)"}
    for name, call in calls.items():
        moved = max((float(np.abs(a - b).max()) for a, b in zip(before[name], moving_statistics(after[name]))),
                    default=0.0)
        if not moved > 0:
            raise CheckError(
                f"after a train_step, the {name}'s BatchNormalization still has its initial moving mean and "
                f"variance: the {name} never ran in training mode. Call it as {call} in train_step (without "
                f"training=True, batch norm normalizes with its moving statistics and dropout does nothing); "
                f"{STEP_SECTION}")


def assert_noise_batch_follows_data(GAN, batch: int = 5, latent_dim: int = 3, image_shape=(4, 4, 1),
                                    seed: int = 6) -> None:
    """train_step draws as many noise vectors as the batch has real images.

    The discriminator outputs 0.5 for every image (its last layer's weights are 0), and the loss is
    binary cross-entropy summed over the samples, so each loss counts the images it was computed on:
    g_loss = (number of generated images) * BCE(1, 0.5); d_loss covers the real and the generated batch
    (summed, or their mean: both are fine).
    """
    import keras

    generator, discriminator = tiny_models(latent_dim, image_shape, seed)
    last = discriminator.layers[-1]
    for variable in last.weights:
        variable.assign(np.zeros(tuple(variable.shape), "float32"))
    per_image = float(keras.ops.convert_to_numpy(keras.losses.BinaryCrossentropy(reduction="sum")(
        np.ones((1, 1), "float32"), np.full((1, 1), 0.5, "float32"))))
    after = one_train_step(GAN, generator, discriminator, latent_dim, 0.0, 0.0, _real_batch(batch, image_shape, seed),
                           "binary_crossentropy_sum")
    generated = loss_value(after["logs"], "g_loss") / per_image
    both = loss_value(after["logs"], "d_loss") / per_image
    hint = N_("draw the noise with the batch size read from the data, keras.ops.shape(real_images)[0] (or "
              f"tf.shape(real_images)[0]), never a fixed number: the last batch of an epoch is often smaller; "
              f"{STEP_SECTION}")
    if not np.isclose(generated, batch, rtol=1e-3):
        raise CheckError(f"with a batch of {batch} real images and a loss summed over the images, g_loss counts "
                         f"{generated:.3g} generated images instead of {batch}: {hint}")
    if not (np.isclose(both, 2 * batch, rtol=1e-3) or np.isclose(both, batch, rtol=1e-3)):
        raise CheckError(f"with a batch of {batch} real images and a loss summed over the images, d_loss counts "
                         f"{both:.3g} images instead of {batch} real and {batch} generated ones: {hint}")
