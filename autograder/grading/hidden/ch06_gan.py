"""Chapter 6's hidden-test helpers (grader only; the shared ones stay in autograder/exercises/ch06_gan.py):
the hidden tests' probes of one train_step with one optimizer at learning rate 0, a fit on real digits,
and a generator of constant output.
"""

from __future__ import annotations

import numpy as np

from ...checks import CheckError
from ...exercises.ch06_gan import STEP_SECTION, StepEffect, tiny_models


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
