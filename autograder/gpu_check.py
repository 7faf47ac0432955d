"""``keras-course gpu-check``: does Keras see the GPU, and what does it buy on a course model?

Trains chapter 5's LeNet-5 on MNIST (or the offline digits) on the GPU and on the CPU, prints the
time per epoch on each and the test accuracy, then runs the chapter's own public checks on the
GPU-trained model. Works on every Keras backend (TensorFlow, JAX, PyTorch): set KERAS_BACKEND.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .checks import build_reference
from .data import load_mnist, prepare_images
from .exercises.ch05_cnn import LENET5_DEFAULT

LENET_INPUT = (32, 32, 1)
CHECKED_EXERCISES = ("lenet5", "train_lenet")


@dataclass(frozen=True)
class Run:
    """One training run of LeNet-5 on one device."""

    device: str
    epoch_seconds: list[float]
    test_accuracy: float
    model: object
    history: object

    @property
    def steady_epoch(self) -> float:
        """Seconds per epoch after the first, which also pays for tracing and compiling."""
        later = self.epoch_seconds[1:] or self.epoch_seconds
        return sum(later) / len(later)


def visible_gpus() -> list[str]:
    """The GPUs that the active Keras backend can use, by name."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
                for gpu in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax

        try:
            return [str(device) for device in jax.devices("gpu")]
        except RuntimeError:  # jax raises when it has no GPU platform at all
            return []
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def backend_version() -> str:
    import importlib.metadata

    import keras

    backend = keras.backend.backend()
    package = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, backend)
    for distribution in (package, f"{package}-cpu"):
        try:
            return f"{backend} {importlib.metadata.version(distribution)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return backend


class _EpochTimer:
    """A Keras callback (made in train_on, where keras is imported) that times every epoch."""

    def __init__(self):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def train_on(device: str, data, epochs: int, batch_size: int) -> Run:
    """Train a fresh LeNet-5 on ``device`` ("gpu:0", "cpu:0"), the same seed on every device."""
    import keras

    timer = type("EpochTimer", (_EpochTimer, keras.callbacks.Callback), {})()
    x_train, x_test = prepare_images(data.x_train, pad_to=32), prepare_images(data.x_test, pad_to=32)
    keras.utils.set_random_seed(0)
    with keras.device(device):
        model = build_reference(LENET5_DEFAULT, LENET_INPUT)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x_train, data.y_train, epochs=epochs, batch_size=batch_size,
                            validation_split=0.1, callbacks=[timer], verbose=0)
        _, accuracy = model.evaluate(x_test, data.y_test, verbose=0)
    return Run(device, timer.seconds, float(accuracy), model, history)


def run_table(runs: list[Run]) -> str:
    lines = ["| device | first epoch (s) | later epochs (s/epoch) | test accuracy |",
             "|---|---:|---:|---:|"]
    lines += [f"| {r.device} | {r.epoch_seconds[0]:.2f} | {r.steady_epoch:.2f} | {r.test_accuracy:.4f} |"
              for r in runs]
    return "\n".join(lines)


def course_checks(run: Run):
    """Chapter 5's public checks of LeNet-5 and its training, on the model ``run`` trained."""
    from .student import run_public_checks

    namespace = {"build_lenet5": lambda: build_reference(LENET5_DEFAULT, LENET_INPUT),
                 "lenet": run.model, "history": run.history, "test_accuracy": run.test_accuracy}
    return [run_public_checks(exercise, namespace) for exercise in CHECKED_EXERCISES]


def gpu_check(epochs: int = 3, batch_size: int = 128, require_gpu: bool = False, out=print) -> int:
    """Print what Keras sees and a GPU/CPU comparison; 0 when every check passes.

    Exit status 1: a course check failed; 2: ``require_gpu`` and Keras sees no GPU.
    """
    import keras

    gpus = visible_gpus()
    out(f"Keras {keras.__version__}, backend {backend_version()}")
    out(f"GPUs visible to Keras: {', '.join(gpus) if gpus else 'none'}")
    if require_gpu and not gpus:
        out("error: no GPU visible to Keras (--require-gpu)")
        return 2
    data = load_mnist()
    out(f"Training chapter 5's LeNet-5 ({build_reference(LENET5_DEFAULT, LENET_INPUT).count_params():,} "
        f"parameters) for {epochs} epoch(s), batch size {batch_size}, on {data.describe()}")
    runs = [train_on(device, data, epochs, batch_size) for device in (["gpu:0"] if gpus else []) + ["cpu:0"]]
    out(run_table(runs))
    if gpus:
        out(f"GPU speed-up per epoch: {runs[1].steady_epoch / runs[0].steady_epoch:.1f}x")
    results = course_checks(runs[0])
    for result in results:
        out(result.text())
    return 0 if all(result.passed for result in results) else 1
