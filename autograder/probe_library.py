"""Named probes: the steps a test needs run in the student's process, in one request each.

Each function here runs inside the student's kernel (probes.py) on arguments the judge chose,
and returns plain data: models as their config and weights, histories as numbers. It computes
no verdict; the judge decides what the data means (autograder/exercises/ and the hidden tests).
Students can read this file, as they can read the public tests: it says which steps are run,
never what is expected of them.
"""

from __future__ import annotations

import numpy as np

from .probes import named_probe

# Losses a GAN test may train with, by name (a judge cannot send a function into the kernel).
GAN_LOSSES = {
    "binary_crossentropy": lambda bce: bce,
    "binary_crossentropy_plus_100": lambda bce: (lambda y_true, y_pred: bce(y_true, y_pred) + 100.0),
    "zero": lambda bce: (lambda y_true, y_pred: 0.0 * bce(y_true, y_pred)),
    "binary_crossentropy_sum": lambda bce: type(bce)(reduction="sum"),  # a loss that counts the samples
}


@named_probe("weights_twice_with_draws_between")
def weights_twice_with_draws_between(reproducible_weights, seed: int):
    """reproducible_weights(seed) twice, with other random numbers drawn in between (chapter 1)."""
    import random

    import keras

    first = reproducible_weights(seed)
    np.random.rand(5), random.random(), keras.random.normal((3,)), keras.layers.Dense(4).build((None, 2))
    return first, reproducible_weights(seed)


@named_probe("report_with_fake_gpus")
def report_with_fake_gpus(environment_report, names: list):
    """environment_report() while the backend lists the judge's made-up GPUs (chapter 1: a CPU
    grader has none, and an answer that always says [] would pass). Each backend is asked the way
    the notebook teaches: TensorFlow's ``tf.config.list_physical_devices("GPU")``, JAX's
    ``jax.devices()`` (devices whose ``platform`` is "gpu", named by ``str``), PyTorch's
    ``torch.cuda.device_count()``."""
    from unittest import mock

    import keras

    backend = keras.config.backend()
    if backend == "jax":
        import jax

        class FakeDevice:  # what a JAX GPU shows to code that lists devices: platform "gpu", str "cuda:<id>"
            platform, device_kind = "gpu", "made-up GPU"

            def __init__(self, index: int, name: str):
                self.id, self.name = index, name

            def __str__(self):
                return self.name

            def __repr__(self):
                return f"CudaDevice(id={self.id})"

        fakes = [FakeDevice(i, str(name)) for i, name in enumerate(names)]
        real_devices, real_local = jax.devices, jax.local_devices

        def devices(backend=None):  # the GPUs are the default backend's devices, as on a GPU machine
            return list(fakes) if backend in (None, "gpu", "cuda") else real_devices(backend)

        def local_devices(process_index=None, backend=None, host_id=None):
            return list(fakes) if backend in (None, "gpu", "cuda") else real_local(process_index, backend, host_id)

        with mock.patch.object(jax, "devices", devices), mock.patch.object(jax, "local_devices", local_devices), \
                mock.patch.object(jax, "device_count", lambda backend=None: len(devices(backend))):
            return environment_report()
    if backend == "torch":  # PyTorch names its GPUs "cuda:0", "cuda:1", ... (torch.device("cuda", i))
        import torch

        with mock.patch.object(torch.cuda, "device_count", lambda: len(names)), \
                mock.patch.object(torch.cuda, "is_available", lambda: True):
            return environment_report()

    import tensorflow as tf

    devices = [tf.config.PhysicalDevice(name=str(name), device_type="GPU") for name in names]
    real = tf.config.list_physical_devices

    def listing(device_type=None):
        return list(devices) if device_type == "GPU" else real(device_type)

    with mock.patch.object(tf.config, "list_physical_devices", listing), \
            mock.patch.object(tf.config.experimental, "list_physical_devices", listing):
        return environment_report()


@named_probe("strict_call")
def strict_call(func, args: list, kwargs: dict, lenient: bool = False):
    """``func(*args, **kwargs)`` with NumPy's floating-point errors raised and RuntimeWarnings
    recorded, as checks.arrays.call_cleanly asks (the kernel's own settings would hide them).
    ``lenient``: floating-point errors neither raise nor count, so the call always gives its values."""
    import warnings

    from .checks.arrays import FLOATING_ERRORS

    import sys

    before = {i: a.copy() for i, a in enumerate(args) if isinstance(a, np.ndarray)}
    frameworks, profile = _framework_watch()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(**({"all": "ignore"} if lenient else FLOATING_ERRORS)):
                previous = sys.getprofile()
                sys.setprofile(profile)
                try:
                    result = func(*args, **kwargs)
                finally:
                    if sys.getprofile() is not profile:  # the function switched the watch off
                        frameworks.add("sys.setprofile")
                    sys.setprofile(previous)
        except FloatingPointError as error:
            return {"floating_error": str(error)}
    # Arrays it changed in place go back too: the judge's copies change the same way.
    changed = [[i, args[i]] for i, a in before.items() if not np.array_equal(a, args[i], equal_nan=True)]
    return {"result": result, "changed": changed, "frameworks": sorted(frameworks),
            "warnings": [] if lenient else [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]}


@named_probe("strict_trajectory")
def strict_trajectory(step, w0, grads: list, states: list, count_steps: bool, kwargs: dict):
    """An optimizer step function fed its own results, one ``strict_call`` per gradient (chapter 3):
    ``step(w, g, *states[, t], **kwargs)`` returns ``(w, *states)`` for the next step. One request
    instead of one per step; the answers up to the first step that raises, returns something that
    cannot be fed back or fails ``strict_call``'s rules (the judge replays that step on its own)."""
    import copy

    w, answers = w0, []
    for t, g in enumerate(grads, start=1):
        try:
            answer = strict_call(step, [w, g.copy(), *states] + ([t] if count_steps else []), dict(kwargs))
            answers.append(copy.deepcopy(answer))  # as returned: the next step may change its arrays in place
        except Exception:  # noqa: BLE001 - the judge replays this step alone and sees the error
            break
        result = answer.get("result")
        if not isinstance(result, (tuple, list)) or len(result) != 1 + len(states):
            break
        try:
            w, *states = [np.asarray(value, "float32") for value in result]
        except Exception:  # noqa: BLE001 - not arrays: the judge says so
            break
    return answers


# Libraries an exercise written "in NumPy" must not call (checks.arrays.call_cleanly(numpy_only=True)).
FRAMEWORKS = ("keras", "tensorflow", "jax", "jaxlib", "torch")  # SciPy is NumPy's own world: allowed


def _framework_watch():
    """A profile function that notes which of FRAMEWORKS the code it watches calls into."""
    found: set[str] = set()

    def profile(frame, event, arg):
        if event == "call":
            module = frame.f_globals.get("__name__") or ""
        elif event == "c_call":
            module = getattr(arg, "__module__", None) or ""
        else:
            return
        root = module.partition(".")[0]
        if root in FRAMEWORKS:
            found.add(root)

    return found, profile


@named_probe("fit_on")
def fit_on(data, model, epochs: int = 2):
    """The judge's small compiled model fitted on the student's dataset; its history and weights."""
    history = model.fit(data, epochs=epochs, verbose=0)
    return {"loss": [float(v) for v in history.history.get("loss", [])], "model": model}


@named_probe("write_image_folder")
def write_image_folder(classes, count: int, size, channels: int):
    """The judge's test images written into a new folder of the kernel's; its path."""
    import tempfile

    from .exercises.ch04_data import write_image_folder as write

    return str(write(tempfile.mkdtemp(prefix="images-"), classes, count, tuple(size), channels))


@named_probe("gan_train_step")
def gan_train_step(GAN, generator, discriminator, latent_dim: int, d_lr: float, g_lr: float, real, loss: str):
    """GAN(generator, discriminator, latent_dim), compiled with plain SGD at the judge's rates and a
    named loss, after one train_step on the judge's batch: its logs and both models."""
    import keras

    gan = GAN(generator, discriminator, latent_dim)
    gan.compile(keras.optimizers.SGD(learning_rate=d_lr), keras.optimizers.SGD(learning_rate=g_lr),
                GAN_LOSSES[loss](keras.losses.BinaryCrossentropy()))
    if keras.config.backend() == "jax":
        import jax

        # Keras' JAX step is train_step(state, data): every variable goes in as a value, and what comes
        # back is written into the variables, as fit() does. Compiled, as fit() runs it: eagerly, JAX
        # compiles each operation for each new shape, several times slower for a single step.
        groups = [gan.trainable_variables, gan.non_trainable_variables,
                  gan.optimizer.variables if gan.optimizer is not None else [], gan.metrics_variables]
        logs, state = jax.jit(gan.train_step)(tuple([v.value for v in group] for group in groups),
                                              keras.ops.convert_to_tensor(real))
        for group, values in zip(groups, state):
            for variable, value in zip(group, values):
                variable.assign(value)
    else:
        logs = gan.train_step(keras.ops.convert_to_tensor(real))
    if isinstance(logs, dict):
        logs = {key: float(keras.ops.convert_to_numpy(value)) if _number(value) else value
                for key, value in logs.items()}
    return {"logs": logs, "generator": generator, "discriminator": discriminator}


@named_probe("gan_fit")
def gan_fit(GAN, generator, discriminator, latent_dim: int, images, batch_size: int, epochs: int):
    """GAN(...) compiled with Adam(2e-4, beta_1=0.5) and binary cross-entropy, fitted eagerly on the
    judge's images; the history."""
    import keras
    import tensorflow as tf

    gan = GAN(generator, discriminator, latent_dim)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
                keras.losses.BinaryCrossentropy())
    # TensorFlow: no tracing, a few steps of tiny models run faster eagerly. JAX: compiled, as eagerly it
    # compiles each operation for each new shape instead.
    gan.run_eagerly = keras.config.backend() != "jax"
    history = gan.fit(tf.data.Dataset.from_tensor_slices(images).batch(batch_size), epochs=epochs, verbose=0,
                      shuffle=False)
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def _number(value) -> bool:
    try:
        return np.asarray(value).size == 1
    except Exception:  # noqa: BLE001
        return False


def _stage(report: dict, name: str, step):
    """Run one step of a multi-step probe; a step that raises is reported by name and stops the rest."""
    try:
        return step()
    except Exception as error:  # noqa: BLE001 - the student's code raised: the judge says what it means
        report["failed"] = {"stage": name, "type": type(error).__name__, "message": str(error)}
        raise _StageFailed from None


class _StageFailed(Exception):
    pass


def _assign_by_shape(layer, values: list) -> None:
    """Give each of ``layer``'s weights the judge's value of the same shape (kernels are 2-D, biases
    1-D: never ambiguous); a weight no value fits keeps its own (the judge's shape check names it)."""
    for weight in layer.weights:
        value = next((v for v in values if tuple(v.shape) == tuple(weight.shape)), None)
        if value is not None:
            weight.assign(value)


@named_probe("custom_layer_trial")
def custom_layer_trial(layer_class, kwargs: dict, x, values: list, save: bool = True):
    """The student's layer class (chapter 2) taken through a layer's life on the judge's inputs:
    made (no weights yet), called on ``x`` (built), given the judge's weight values by shape and
    called again; re-made from its own get_config(); and, with ``save``, a model holding it saved
    in the .keras format and loaded back with keras.saving.load_model (no custom_objects). The
    weights it made and every output, or the stage that raised."""
    import os
    import tempfile

    import keras

    report: dict = {}
    try:
        layer = _stage(report, "make", lambda: layer_class(**kwargs))
        report["weights_before_build"] = len(layer.weights)
        _stage(report, "first_call", lambda: layer(x))
        report["weights"] = [{"shape": list(w.shape), "trainable": bool(w.trainable),
                              "initial": keras.ops.convert_to_numpy(w)} for w in layer.weights]
        _assign_by_shape(layer, values)
        report["output"] = _stage(report, "call", lambda: keras.ops.convert_to_numpy(layer(x)))
        config = _stage(report, "get_config", layer.get_config)
        clone = _stage(report, "from_config", lambda: layer_class.from_config(config))
        _stage(report, "clone_call", lambda: clone(x))
        report["clone_weights"] = [list(w.shape) for w in clone.weights]
        _assign_by_shape(clone, values)
        report["clone_output"] = _stage(report, "clone_call", lambda: keras.ops.convert_to_numpy(clone(x)))
        if save:
            path = os.path.join(tempfile.mkdtemp(prefix="layer-"), "model.keras")
            model = keras.Sequential([keras.Input(x.shape[1:]), layer])
            _stage(report, "save", lambda: model.save(path))
            loaded = _stage(report, "load", lambda: keras.saving.load_model(path))
            report["loaded_output"] = _stage(report, "loaded_call", lambda: keras.ops.convert_to_numpy(loaded(x)))
    except _StageFailed:
        pass
    return report


@named_probe("saving_trial")
def saving_trial(save_model_files, load_for_inference, model, x, folder_name: str):
    """Chapter 5: ``save_model_files(model, folder)`` into a folder that does not exist yet, then
    what was written: the paths returned, the files in the folder, the members of the .keras zip;
    predictions of the model Keras loads from it (and whether it came back compiled), of the
    student's ``load_for_inference`` on it, and of a fresh copy of the model given the weights
    file. The judge's model, inputs and expectations; the student's files."""
    import os
    import tempfile
    import zipfile

    import keras

    report: dict = {}
    folder = os.path.join(tempfile.mkdtemp(prefix="saving-"), folder_name)
    try:
        paths = _stage(report, "save", lambda: save_model_files(model, folder))
        report["returned"] = _stage(report, "paths", lambda: [os.fspath(p) for p in paths])
        report["folder"] = folder
        report["files"] = sorted(os.listdir(folder)) if os.path.isdir(folder) else None
        model_path, weights_path = (report["returned"] + [None, None])[:2]
        if model_path and zipfile.is_zipfile(model_path):
            with zipfile.ZipFile(model_path) as archive:
                report["members"] = sorted(archive.namelist())
        loaded = _stage(report, "keras_load", lambda: keras.saving.load_model(model_path))
        report["loaded_output"] = _stage(report, "keras_load", lambda: keras.ops.convert_to_numpy(loaded(x)))
        report["compiled"] = bool(getattr(loaded, "compiled", False))
        report["optimizer"] = type(getattr(loaded, "optimizer", None)).__name__
        fresh = keras.models.clone_model(model)  # the same layers, new random weights
        _stage(report, "load_weights", lambda: fresh.load_weights(weights_path))
        report["weights_output"] = _stage(report, "load_weights", lambda: keras.ops.convert_to_numpy(fresh(x)))
        own = _stage(report, "load_for_inference", lambda: load_for_inference(model_path))
        report["own_output"] = _stage(report, "own_call", lambda: keras.ops.convert_to_numpy(own(x)))
    except _StageFailed:
        pass
    return report


@named_probe("lambda_loading_trial")
def lambda_loading_trial(load_for_inference, kernel, bias, x):
    """Chapter 5: a model ending in a Lambda layer (built here, from the judge's weights: a Lambda
    cannot cross the wire, which refuses it as load_model does) saved as .keras, then
    ``load_for_inference(path)`` (which should refuse it) and ``load_for_inference(path,
    trusted=True)`` (which should load it): the error of the first, the predictions of the second."""
    import os
    import tempfile

    import keras

    model = keras.Sequential([keras.Input((kernel.shape[0],)), keras.layers.Dense(kernel.shape[1]),
                              keras.layers.Lambda(lambda t: t * 2.0)])
    model.layers[0].set_weights([kernel, bias])
    path = os.path.join(tempfile.mkdtemp(prefix="lambda-"), "doubled.keras")
    model.save(path)
    report: dict = {}
    try:
        untrusted = load_for_inference(path)
        report["untrusted_loaded"] = True
        report["untrusted_output"] = keras.ops.convert_to_numpy(untrusted(x))
    except Exception as error:  # noqa: BLE001 - refusing is what it should do
        report["untrusted_error"] = {"type": type(error).__name__, "message": str(error)[:400]}
    try:
        trusted = _stage(report, "trusted_load", lambda: load_for_inference(path, trusted=True))
        report["trusted_output"] = _stage(report, "trusted_call", lambda: keras.ops.convert_to_numpy(trusted(x)))
    except _StageFailed:
        pass
    return report


@named_probe("fit_with_callbacks")
def fit_with_callbacks(training_callbacks, patience: int, model, x, y, x_val, y_val, epochs: int):
    """Chapter 3: the judge's compiled model fitted on the judge's data, without shuffling, with the
    student's ``training_callbacks(patience)``: the epochs run, the learning rate of each epoch as
    History logged it, the model."""
    report: dict = {}
    try:
        callbacks = _stage(report, "callbacks", lambda: list(training_callbacks(patience)))
        history = _stage(report, "fit", lambda: model.fit(
            x, y, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, shuffle=False, verbose=0,
            callbacks=callbacks))
        report["epochs"] = len(history.epoch)
        report["lr_per_epoch"] = _learning_rates(history, model, report["epochs"])
        report["model"] = model
    except _StageFailed:
        pass
    return report


@named_probe("record_learning_rates")
def record_learning_rates(LearningRateRecorder, model, x, y, rates: list):
    """Chapter 3: a ``LearningRateRecorder()`` in a fit of the judge's model whose learning rate a
    LearningRateScheduler sets to ``rates[epoch]`` as each epoch begins and another callback moves
    elsewhere as each epoch ends (as ReduceLROnPlateau may: the rate an epoch trained with is the one
    it began with); what the recorder recorded."""
    import keras

    class MovesRateAtEpochEnd(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 0.123

    report: dict = {}
    try:
        recorder = _stage(report, "recorder", LearningRateRecorder)
        schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: float(rates[epoch]))
        _stage(report, "fit", lambda: model.fit(x, y, epochs=len(rates), batch_size=32, verbose=0,
                                                callbacks=[schedule, MovesRateAtEpochEnd(), recorder]))
        report["recorded"] = getattr(recorder, "rates", None)
    except _StageFailed:
        pass
    return report


def _learning_rates(history, model, epochs: int) -> list:
    """The learning rate of each epoch: History logs it as "learning_rate" when a callback changes it;
    without one it stayed the optimizer's."""
    import keras

    logged = history.history.get("learning_rate")
    if logged is not None:
        return [float(v) for v in logged]
    return [float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))] * epochs


@named_probe("sample_grid_trial")
def sample_grid_trial(SampleGrid, generator, noise, rows: int, cols: int, weight_sets: list):
    """Chapter 6: ``SampleGrid(noise, rows, cols)`` attached to a stand-in for the GAN (an object
    whose ``generator`` is the judge's), then one ``on_epoch_end`` per set of generator weights the
    judge chose, set before each; what its ``grids`` holds."""
    import types

    report: dict = {}
    try:
        callback = _stage(report, "making it", lambda: SampleGrid(noise, rows=rows, cols=cols))
        _stage(report, "set_model", lambda: callback.set_model(types.SimpleNamespace(generator=generator)))
        for epoch, weights in enumerate(weight_sets):
            generator.set_weights(weights)
            _stage(report, f"on_epoch_end({epoch})", lambda: callback.on_epoch_end(epoch, {}))
        report["grids"] = [_stage(report, "reading grids", lambda: np.asarray(grid, dtype="float32"))
                           for grid in list(getattr(callback, "grids", None) or [])]
    except _StageFailed:
        pass
    return report
