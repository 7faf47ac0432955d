"""Public tests of chapter 1: the environment, keras.json, a first model, reproducible runs.

They check the defaults the exercise text states. The hidden tests (in the instructor's
notebook only) change keras.config inside a test, try every supported and several removed
backends, other model sizes and other seeds. They share the helpers here; what only they use is
in autograder/grading/hidden/ch01_setup.py, which students' images do not hold.
"""

from __future__ import annotations

import json
import platform

import numpy as np

from ..checks.architecture import assert_matches_spec, dense
from ..checks.compile_settings import assert_compiled_for
from ..checks.errors import CheckError
from ..checks.raises import assert_raises
from ..i18n.messages import N_
from . import public_test

REPORT_KEYS = {"python_version", "keras_version", "backend", "backend_version", "gpus",
               "image_data_format", "floatx"}
KERAS_JSON_DEFAULT = {"backend": "tensorflow", "floatx": "float32", "image_data_format": "channels_last",
                      "epsilon": 1e-07}



def uncached(func):
    """The student's own function: check() remembers results per arguments, but these tests need
    a fresh call each time (the answer depends on state that changes between calls)."""
    return getattr(func, "func", func)


# --- environment_report ------------------------------------------------------------------

# How each backend lists its GPUs, as the notebook teaches it (the hidden tests make up GPUs this way).
GPU_LISTING = {
    "tensorflow": N_("tf.config.list_physical_devices('GPU'), each device's .name"),
    "jax": N_("jax.devices(), the devices whose .platform is 'gpu', each as str(device)"),
    "torch": N_("torch.cuda.device_count() devices, each as str(torch.device('cuda', i))"),
}


def backend_gpus(backend: str) -> list[str]:
    """The GPUs the running backend sees, named as GPU_LISTING says; [] for a backend without
    training (numpy, openvino)."""
    if backend == "jax":
        import jax

        return [str(device) for device in jax.devices() if device.platform == "gpu"]
    if backend == "torch":
        import torch

        return [str(torch.device("cuda", i)) for i in range(torch.cuda.device_count())]
    if backend == "tensorflow":
        import tensorflow as tf

        return [device.name for device in tf.config.list_physical_devices("GPU")]
    return []


def expected_report() -> dict:
    """What environment_report() should say right now (read the same way, at call time)."""
    import importlib

    import keras

    backend = keras.config.backend()
    module = importlib.import_module(backend)
    return {"python_version": platform.python_version(), "keras_version": keras.__version__,
            "backend": backend, "backend_version": getattr(module, "__version__", None),
            "gpus": backend_gpus(backend),
            "image_data_format": keras.config.image_data_format(), "floatx": keras.config.floatx()}


def assert_report_matches(report, what: str = "environment_report()") -> None:
    """``report`` has the seven keys and says what the running environment says now."""
    if not isinstance(report, dict):
        raise CheckError(f"{what} should return a dict, found {type(report).__name__}")
    missing = sorted(REPORT_KEYS - set(report))
    if missing:
        raise CheckError(f"{what} has no key {missing[0]!r} (keys found: {sorted(report)}); reread "
                         '"Checking versions and devices"')
    want = expected_report()
    gpus = report["gpus"]
    if not isinstance(gpus, list) or not all(isinstance(g, str) for g in gpus):
        raise CheckError(f"{what}['gpus'] should be a list of device-name strings, found {gpus!r}")
    if len(gpus) != len(want["gpus"]):
        raise CheckError(f"{what}['gpus'] lists {len(gpus)} devices, but this machine has {len(want['gpus'])} "
                         f"GPUs ({GPU_LISTING.get(report_backend(), 'the backend')})")
    for key in sorted(REPORT_KEYS - {"gpus"}):
        if report[key] != want[key]:
            raise CheckError(f"{what}[{key!r}] is {report[key]!r}, but the running environment says "
                             f"{want[key]!r}: read it at call time (keras.config.{key}(), keras.__version__, "
                             'platform.python_version(), ...); reread "Checking versions and devices"')


def report_backend() -> str:
    import keras

    return keras.config.backend()


@public_test("environment_report")
def report_keys_and_values(environment_report):
    """environment_report() has the seven keys and matches the running environment"""
    assert_report_matches(environment_report())


@public_test("environment_report")
def report_follows_floatx(environment_report):
    """after keras.config.set_floatx("float64"), environment_report()['floatx'] is 'float64'"""
    import keras

    keras.config.set_floatx("float64")  # the check runner restores the default afterwards
    assert_report_matches(uncached(environment_report)(), N_('environment_report() after set_floatx("float64")'))


# --- keras_config --------------------------------------------------------------------------

def assert_keras_json(config, expected: dict, what: str) -> None:
    if not isinstance(config, dict):
        raise CheckError(f"{what} should return a dict, found {type(config).__name__}")
    if set(config) != set(expected):
        raise CheckError(f"{what} has keys {sorted(config)}, expected exactly {sorted(expected)} (what "
                         'keras.json holds); reread "Choosing a backend"')
    for key, value in expected.items():
        if config[key] != value:
            raise CheckError(f"{what}[{key!r}] is {config[key]!r}, expected {value!r}")
    try:
        json.dumps(config)
    except TypeError as error:
        raise CheckError(f"{what} cannot be written as JSON: {error}") from None


@public_test("keras_config")
def config_defaults(keras_config):
    """keras_config() is the default keras.json"""
    assert_keras_json(keras_config(), KERAS_JSON_DEFAULT, "keras_config()")


@public_test("keras_config")
def config_jax(keras_config):
    """keras_config("jax") selects the JAX backend"""
    assert_keras_json(keras_config("jax"), {**KERAS_JSON_DEFAULT, "backend": "jax"}, 'keras_config("jax")')


@public_test("keras_config")
def config_rejects_theano(keras_config):
    """keras_config("theano") raises ValueError saying Theano was removed"""
    assert_raises(lambda: keras_config("theano"), 'keras_config("theano")', ["removed"],
                  section=N_('"Choosing a backend"'))


# --- build_first_model ---------------------------------------------------------------------

FIRST_MODEL_SECTION = N_('"Your first model"')


def first_model_spec(num_classes: int, hidden_units: int) -> list:
    return [dense(hidden_units, "relu"), dense(num_classes, "softmax")]


@public_test("build_first_model")
def first_model_layers(build_first_model):
    """build_first_model(20, 3) is Input(20) -> Dense(64, relu) -> Dense(3, softmax)"""
    from ..checks.errors import context

    with context("build_first_model(20, 3)"):
        assert_matches_spec(build_first_model(20, 3), first_model_spec(3, 64), (20,))


@public_test("build_first_model")
def first_model_compiled(build_first_model):
    """build_first_model(20, 3) is compiled with adam, sparse categorical crossentropy and accuracy"""
    assert_compiled_for(build_first_model(20, 3), optimizer="adam", loss="sparse_categorical_crossentropy",
                        metrics=["sparse_categorical_accuracy"], what="build_first_model(20, 3)",
                        section=FIRST_MODEL_SECTION)


# --- reproducible_weights ------------------------------------------------------------------

REPRO_SECTION = N_('"Reproducible runs"')


def as_weight_list(weights, what: str) -> list[np.ndarray]:
    if not isinstance(weights, list) or not all(isinstance(w, np.ndarray) for w in weights):
        raise CheckError(f"{what} should return a list of NumPy arrays (model.get_weights()), found "
                         f"{type(weights).__name__}" + (f" of {type(weights[0]).__name__}"
                                                        if isinstance(weights, (list, tuple)) and weights else ""))
    return weights


def same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def assert_first_model_weights(weights, what: str) -> None:
    shapes = [w.shape for w in as_weight_list(weights, what)]
    want = [(8, 64), (64,), (64, 3), (3,)]
    if shapes != want:
        raise CheckError(f"{what} returned arrays of shapes {shapes}, expected {want}: the weights of "
                         f"build_first_model(8, 3); reread {REPRO_SECTION}")


@public_test("reproducible_weights")
def weights_shapes(reproducible_weights):
    """reproducible_weights(0) returns the four weight arrays of build_first_model(8, 3)"""
    assert_first_model_weights(reproducible_weights(0), "reproducible_weights(0)")


@public_test("reproducible_weights")
def weights_repeat(reproducible_weights):
    """the same seed gives identical weights, another seed different ones"""
    call = uncached(reproducible_weights)
    first, again, other = call(0), call(0), call(1)
    for w in (first, again, other):
        as_weight_list(w, "reproducible_weights(seed)")
    if not same_weights(first, again):
        raise CheckError("two calls of reproducible_weights(0) gave different weights: seed everything with "
                         f"keras.utils.set_random_seed(seed) before building the model; reread {REPRO_SECTION}")
    if same_weights(first, other):
        raise CheckError("reproducible_weights(0) and reproducible_weights(1) gave identical weights: use the "
                         f"seed argument; reread {REPRO_SECTION}")
