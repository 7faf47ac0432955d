"""The judge reads the submitted notebook's code as a second witness for "NumPy only"
(autograder/checks/source.py): a kernel that switches off the run-time watch still fails."""

import numpy as np
import pytest

from autograder.checks import CheckError
from autograder.checks.source import DYNAMIC, frameworks_in_source

NUMPY = "import numpy as np\n"


@pytest.mark.parametrize("cells, expected", [
    ([NUMPY, "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"], []),
    ([NUMPY + "import keras\n", "def sigmoid(x):\n    return np.asarray(keras.activations.sigmoid(x))\n"], ["keras"]),
    (["import tensorflow as tf\n", "def sigmoid(x):\n    return tf.sigmoid(x).numpy()\n"], ["tensorflow"]),
    (["from keras import ops\n", "def sigmoid(x):\n    return ops.sigmoid(x)\n"], ["keras"]),
    (["import jax.numpy as jnp\n", "def sigmoid(x):\n    return jnp.tanh(x)\n"], ["jax"]),
    (["import keras\nS = keras.activations.sigmoid\n", "def sigmoid(x):\n    return S(x)\n"], ["keras"]),
    (["import keras\n", "def _helper(x):\n    return keras.ops.sigmoid(x)\n", "def sigmoid(x):\n    return _helper(x)\n"],
     ["keras"]),
    (["def sigmoid(x):\n    import torch\n    return torch.sigmoid(torch.tensor(x)).numpy()\n"], ["torch"]),
    (["def sigmoid(x):\n    return __import__('ker' + 'as').ops.sigmoid(x)\n"], [DYNAMIC]),
    (["import importlib\n", "def sigmoid(x):\n    return importlib.import_module('keras').ops.sigmoid(x)\n"], [DYNAMIC]),
    (["import keras\nEPS = keras.config.epsilon()\n", NUMPY + "def softsign(x):\n    return x / (1 + np.abs(x) + 0 * EPS)\n"],
     []),  # a constant computed with Keras is a value, not a call into Keras
    (["from keras import ops\n", "def relu(x, ops=None):\n    return np.maximum(x, 0)\n"], []),  # a parameter shadows
    (["import keras\n", "def relu(x):\n    return keras.ops.relu(x)\n", NUMPY + "def relu(x):\n    return np.maximum(x, 0)\n"],
     []),  # the last definition is the one that runs
    (["%matplotlib inline\nimport keras\n", "def tanh(x):\n    return keras.ops.tanh(x)\n", "this is not python ("],
     ["keras"]),
    (["import keras\nimport numpy as np\nnp.sig = keras.activations.sigmoid\n", "def sigmoid(x):\n    return np.sig(x)\n"],
     ["keras"]),
    (["import keras\nif True:\n    def sigmoid(x):\n        return keras.ops.sigmoid(x)\n"], ["keras"]),
])
def test_frameworks_a_function_reaches(cells, expected):
    name = next(n for n in ("sigmoid", "softsign", "relu", "tanh") if any(f"def {n}(" in c for c in cells))
    assert frameworks_in_source(cells, name) == expected


LYING_STRICT_CALL = '''
import autograder.probes as _probes
import autograder.probe_library as _library
_real = _library.strict_call
def _lie(func, args, kwargs, *more):
    answer = _real(func, args, kwargs, *more)
    return {**answer, "frameworks": [], "floating_error": None, "warnings": []} if isinstance(answer, dict) else answer
_probes.NAMED_PROBES["strict_call"] = _lie
'''


def _judged(cells: list[str]):
    from autograder.exercises.ch02_layers import assert_activation, sample
    from test_judge import LaxKernelBridge

    namespace: dict = {}
    for cell in cells:
        exec(cell, namespace)
    bridge = LaxKernelBridge(namespace)
    bridge.submitted_cells = cells
    assert_activation(bridge.lookup("sigmoid"), "sigmoid", sample((3, 4), "float64", seed=11))


@pytest.fixture
def restored_probes():
    from autograder import probe_library  # noqa: F401 - registers the real probes first
    from autograder.probes import NAMED_PROBES

    saved = dict(NAMED_PROBES)
    yield
    NAMED_PROBES.clear()
    NAMED_PROBES.update(saved)


def test_a_kernel_that_forges_the_watch_still_fails_the_numpy_only_rule(restored_probes):
    keras_sigmoid = ["import numpy as np\nimport keras\n",
                     "def sigmoid(x):\n    return np.asarray(keras.activations.sigmoid(x))\n"]
    with pytest.raises(CheckError, match="calls keras.*: write it with NumPy"):
        _judged(keras_sigmoid)  # the honest twin
    with pytest.raises(CheckError, match="calls keras.*: write it with NumPy"):
        _judged([LYING_STRICT_CALL, *keras_sigmoid])


def test_numpy_code_passes_with_its_source_read(restored_probes):
    _judged(["import numpy as np\n", "def sigmoid(x):\n    z = np.exp(-np.abs(x))\n"
             "    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))\n"])
