"""Other ways to answer chapter 1: correct ones written differently, and wrong ones.

Each entry replaces the source of one solution cell (by grade id). A correct variant must pass
the public and hidden tests; a wrong one must fail with a message that says what is wrong.
"""

# --- correct, written differently -----------------------------------------------------------

REPORT_WITH_SYS_MODULES = '''
import sys


def _gpu_names(backend):
    if backend == "jax":
        import jax
        return [f"{d}" for d in jax.local_devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    import tensorflow as tf
    return [str(d.name) for d in tf.config.list_physical_devices(device_type="GPU")]


def environment_report():
    name = keras.backend.backend()
    __import__(name)
    info = dict(
        python_version=platform.python_version(),
        keras_version=keras.version(),
        backend=name,
        backend_version=sys.modules[name].__version__,
        floatx=keras.backend.floatx(),
        image_data_format=keras.backend.image_data_format(),
    )
    info["gpus"] = _gpu_names(name)
    return info
'''

CONFIG_WITH_TABLES = '''
SUPPORTED = {
    "backend": ["tensorflow", "jax", "torch", "numpy", "openvino"],
    "floatx": ["float16", "float32", "float64"],
    "image_data_format": ["channels_last", "channels_first"],
}
GONE = {"theano": "Theano", "cntk": "CNTK", "mxnet": "MXNet"}


def keras_config(backend="tensorflow", floatx="float32", image_data_format="channels_last", epsilon=1e-07):
    settings = {"backend": backend, "floatx": floatx, "image_data_format": image_data_format}
    for key, value in settings.items():
        if value not in SUPPORTED[key]:
            note = f" {GONE[value]} was removed from Keras." if key == "backend" and value in GONE else ""
            raise ValueError(f"{key}={value!r} is not supported.{note} Supported: {SUPPORTED[key]}")
    try:
        epsilon = float(epsilon)
    except (TypeError, ValueError):
        raise ValueError("epsilon must be a positive float") from None
    if not epsilon > 0:  # NaN too
        raise ValueError(f"epsilon must be a positive float, not {epsilon}")
    return dict(settings, epsilon=epsilon)
'''

FIRST_MODEL_FUNCTIONAL_OBJECTS = '''
def build_first_model(input_dim, num_classes, hidden_units=64):
    inputs = keras.Input((input_dim,), name="features")
    x = layers.Dense(units=hidden_units)(inputs)
    x = layers.ReLU()(x)
    x = layers.Dense(num_classes)(x)
    outputs = layers.Activation("softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
    return model
'''

WEIGHTS_FROM_VARIABLES = '''
def reproducible_weights(seed):
    keras.utils.set_random_seed(int(seed))
    model = build_first_model(input_dim=8, num_classes=3)
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.weights]
'''

WRITTEN_DIFFERENTLY = {
    "environment_report": REPORT_WITH_SYS_MODULES,
    "keras_config": CONFIG_WITH_TABLES,
    "build_first_model": FIRST_MODEL_FUNCTIONAL_OBJECTS,
    "reproducible_weights": WEIGHTS_FROM_VARIABLES,
}

# --- wrong: (solution cell, source, test cell that must fail, words its message must hold) ---

WRONG = [
    # no GPU on this machine: the empty list written out
    ("environment_report", '''
def environment_report():
    import importlib
    return {"python_version": platform.python_version(), "keras_version": keras.__version__,
            "backend": keras.config.backend(),
            "backend_version": importlib.import_module(keras.config.backend()).__version__, "gpus": [],
            "image_data_format": keras.config.image_data_format(), "floatx": keras.config.floatx()}
''', "environment_report_hidden", "list each GPU the running backend sees"),
    ("keras_config", '''
def keras_config(backend="tensorflow", floatx="float32", image_data_format="channels_last", epsilon=1e-07):
    if backend not in ("tensorflow", "jax", "torch", "numpy", "openvino"):
        removed = "was removed from Keras; " if backend in ("theano", "cntk", "mxnet") else ""
        raise ValueError(f"{backend} {removed}choose one of tensorflow, jax, torch, numpy, openvino")
    if floatx not in ("float16", "float32", "float64"):
        raise ValueError("unsupported floatx: use float32")
    if image_data_format not in ("channels_last", "channels_first"):
        raise ValueError("choose channels_last or channels_first")
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    return {"backend": backend, "floatx": floatx, "image_data_format": image_data_format, "epsilon": epsilon}
''', "keras_config_hidden", "its message should mention 'float16'"),
    ("environment_report", '''
import importlib
_REPORT = {"python_version": platform.python_version(), "keras_version": keras.__version__,
           "backend": keras.config.backend(),
           "backend_version": importlib.import_module(keras.config.backend()).__version__, "gpus": [],
           "image_data_format": keras.config.image_data_format(), "floatx": keras.config.floatx()}

def environment_report():
    return _REPORT
''', "environment_report_public", "read it at call time"),
    ("environment_report", '''
import importlib
import sys

def environment_report():
    return {"python_version": sys.version, "keras_version": keras.__version__,
            "backend": keras.config.backend(),
            "backend_version": importlib.import_module(keras.config.backend()).__version__, "gpus": [],
            "image_data_format": keras.config.image_data_format(), "floatx": keras.config.floatx()}
''', "environment_report_hidden", "['python_version'] is"),
    ("environment_report", '''
import importlib

def environment_report():
    backend = importlib.import_module(keras.config.backend())
    return {"python_version": platform.python_version(), "keras_version": keras.__version__,
            "backend": keras.config.backend(), "backend_version": backend.__version__,
            "gpus": 0,
            "image_data_format": keras.config.image_data_format(), "floatx": keras.config.floatx()}
''', "environment_report_hidden", "should be a list of device-name strings"),
    ("keras_config", '''
def keras_config(backend="tensorflow", floatx="float32", image_data_format="channels_last", epsilon=1e-07):
    return {"backend": backend, "floatx": floatx, "image_data_format": image_data_format, "epsilon": epsilon}
''', "keras_config_public", 'keras_config("theano") should raise ValueError'),
    ("keras_config", '''
def keras_config(backend="tensorflow", floatx="float32", image_data_format="channels_last", epsilon=1e-07):
    if backend not in ("tensorflow", "jax", "torch", "numpy", "openvino"):
        raise ValueError(f"unknown backend {backend}")
    return {"backend": backend, "floatx": floatx, "image_data_format": image_data_format, "epsilon": epsilon}
''', "keras_config_public", "its message should mention 'removed'"),
    ("keras_config", '''
def keras_config(backend="tensorflow", floatx="float32", image_data_format="channels_last", epsilon=1e-07):
    if backend in ("theano", "cntk", "mxnet"):
        raise ValueError(f"{backend} was removed from Keras: use tensorflow, jax or torch")
    if backend not in ("tensorflow", "jax", "torch", "pytorch"):
        raise ValueError(f"choose tensorflow, jax or torch, not {backend}")
    return {"backend": backend, "floatx": floatx, "image_data_format": image_data_format, "epsilon": epsilon}
''', "keras_config_hidden", "keras_config('pytorch') should raise ValueError"),
    ("build_first_model", '''
def build_first_model(input_dim, num_classes, hidden_units=64):
    model = keras.Sequential([keras.Input((input_dim,)), layers.Dense(64, activation="relu"),
                              layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
''', "build_first_model_hidden", "expected Dense with 8 units, found 64 units"),
    ("build_first_model", '''
def build_first_model(input_dim, num_classes, hidden_units=64):
    model = keras.Sequential([keras.Input((input_dim,)), layers.Dense(hidden_units, activation="relu"),
                              layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
''', "build_first_model_public", "expected sparse_categorical_crossentropy"),
    ("build_first_model", '''
def build_first_model(input_dim, num_classes, hidden_units=64):
    model = keras.Sequential([keras.Input((input_dim,)), layers.Dense(hidden_units, activation="relu"),
                              layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model
''', "build_first_model_public", "optimizer is sgd; expected adam"),
    ("build_first_model", '''
def build_first_model(input_dim, num_classes, hidden_units=64):
    return keras.Sequential([keras.Input((input_dim,)), layers.Dense(hidden_units, activation="relu"),
                             layers.Dense(num_classes, activation="softmax")])
''', "build_first_model_public", "is not compiled"),
    ("reproducible_weights", '''
def reproducible_weights(seed):
    np.random.seed(seed)
    return build_first_model(8, 3).get_weights()
''', "reproducible_weights_public", "gave different weights"),
    ("reproducible_weights", '''
def reproducible_weights(seed):
    keras.utils.set_random_seed(0)
    return build_first_model(8, 3).get_weights()
''', "reproducible_weights_public", "use the seed argument"),
    ("reproducible_weights", '''
def reproducible_weights(seed):
    keras.utils.set_random_seed(seed)
    return build_first_model(8, 3).weights
''', "reproducible_weights_public", "should return a list of NumPy arrays"),
]
