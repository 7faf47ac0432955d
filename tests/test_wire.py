"""The data format between a student's kernel and the judge (wire.py), and the judge's proxies
(remote.py) over a local bridge: what crosses is plain data, decoded without pickle or imports."""

import base64
import io
import json

import keras
import numpy as np
import pytest

from autograder import wire
from autograder.grading.judge import run_test_cell
from autograder.remote import LocalBridge, RemoteObject, is_instance, type_name


def round_trip(value):
    return wire.decode(json.loads(json.dumps(wire.encode(value))))


def test_plain_values_arrays_and_containers_keep_their_types():
    value = {"a": (1, 2.5, None, True), 3: [np.float32(1.5), np.arange(6).reshape(2, 3)], "nan": float("nan")}
    back = round_trip(value)
    assert back["a"] == (1, 2.5, None, True) and isinstance(back["a"], tuple)
    assert type(back[3][0]) is np.float32 and back[3][0] == 1.5
    assert back[3][1].shape == (2, 3) and back[3][1].dtype == np.arange(1).dtype
    assert np.isnan(back["nan"])
    scalar = round_trip(np.float64(2.0))
    assert type(scalar) is np.float64


def test_tensors_and_variables_stay_what_they_were():
    tensor = round_trip(keras.ops.ones((2,)))
    assert keras.ops.is_tensor(tensor) and not isinstance(tensor, np.ndarray)
    assert isinstance(round_trip(keras.Variable(np.ones(3))), keras.Variable)


def test_a_pickled_array_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    tree = {"$": "ndarray", "npy": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(wire.WireError):
        wire.decode(tree)


def test_a_model_crosses_with_its_weights_and_trainable_flags():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2, activation="softmax")])
    model.layers[0].trainable = False
    model.compile("adam", "sparse_categorical_crossentropy")
    back = round_trip(model)
    assert back is not model and [w.shape for w in back.weights] == [w.shape for w in model.weights]
    x = np.random.default_rng(0).random((3, 4), dtype=np.float32)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert back.layers[0].trainable is False and back.layers[1].trainable is True
    assert back.compiled


def test_random_layers_cross_with_their_seed_state():
    """Layers that drew their seeds after keras.utils.set_random_seed (no seed= in their config) augment
    the same way on the judge's side as in the kernel: their seed generators' state crosses too."""
    from keras import layers

    keras.utils.set_random_seed(11)
    stack = keras.Sequential([layers.RandomRotation(0.1), layers.RandomFlip("horizontal_and_vertical")])
    images = np.random.default_rng(5).random((3, 20, 20, 1), dtype=np.float32)
    stack.build(images.shape)
    tree = wire.encode(stack)
    assert len(tree["seed_states"]) == 2
    copy = wire.decode(json.loads(json.dumps(tree)))
    expected = np.asarray(stack(images, training=True))
    assert np.allclose(np.asarray(copy(images, training=True)), expected, atol=1e-6)
    without = wire.decode({k: v for k, v in json.loads(json.dumps(tree)).items() if k != "seed_states"})
    assert not np.allclose(np.asarray(without(images, training=True)), expected, atol=1e-6)  # the control


def test_a_config_naming_a_module_outside_keras_is_never_rebuilt():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    tree = wire.encode(model)
    tree["config"]["config"]["layers"][1]["module"] = "os"
    with pytest.raises(wire.UnsafeKerasObject, match="not in Keras"):
        wire.decode(tree)


def test_an_exception_comes_back_as_its_builtin_base_class():
    class Oops(ValueError):
        pass

    error = wire.decode(json.loads(json.dumps(wire.encode_error(Oops("bad backend 'tf'")))))
    assert isinstance(error, ValueError) and type(error).__name__ == "Oops" and str(error) == "bad backend 'tf'"
    stop = wire.decode(wire.encode_error(SystemExit(3)))
    assert isinstance(stop, Exception)  # a student's sys.exit() never stops the judge


def test_a_figure_crosses_as_what_a_test_reads_of_it():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2)
    axes[0, 0].plot([1, 2, 3], [4, 5, 6], label="loss")
    axes[0, 0].legend()
    axes[1, 1].imshow(np.eye(3))
    axes[1, 1].axis("off")
    back = round_trip(fig)
    positions = [tuple(np.round(ax.get_position(original=True).bounds, 3)) for ax in fig.axes]
    plt.close("all")
    assert len(back.axes) == 4
    assert list(back.axes[0].get_lines()[0].get_ydata()) == [4, 5, 6]
    assert back.axes[0].get_legend() is not None
    assert not back.axes[3].axison and np.array_equal(back.axes[3].get_images()[0].get_array(), np.eye(3))
    assert [tuple(np.round(ax.get_position(original=True).bounds, 3)) for ax in back.axes] == positions


SOURCE = '''
import keras

class Batches(keras.utils.PyDataset):
    def __init__(self, n):
        super().__init__()
        self.n = n
    def __len__(self):
        return self.n
    def __getitem__(self, i):
        return (i, i * 2)

def scale(x):
    x *= 2
    return None

def block(inputs, units):
    return keras.layers.Dense(units, activation="relu")(inputs)
'''


def student_namespace():
    namespace = {}
    exec(SOURCE, namespace)
    return namespace


def test_a_students_object_stays_behind_a_proxy():
    bridge = LocalBridge(student_namespace())
    data = bridge.lookup("Batches")(3)
    assert isinstance(data, RemoteObject) and is_instance(data, keras.utils.PyDataset)
    assert type_name(data) == "Batches"
    assert len(data) == 3 and data[2] == (2, 4) and data.n == 3


CUSTOM_LAYERS = """
import keras

@keras.saving.register_keras_serializable(package="course")
class Registered(keras.layers.Layer):
    pass

class Unregistered(keras.layers.Layer):
    pass
"""


@pytest.mark.parametrize("name", ["Registered", "Unregistered"])
def test_a_layer_of_the_notebooks_own_class_stays_behind_a_proxy(name):
    """Its config names a class the judge does not have (and must never import): a handle, whose
    attributes the judge asks the kernel for; the judge never rebuilds the notebook's class."""
    namespace = {}
    exec(CUSTOM_LAYERS, namespace)  # a class made outside any module: its config says "builtins"
    layer = LocalBridge(namespace).lookup(name)(name="mine", trainable=False)
    assert isinstance(layer, RemoteObject) and type_name(layer) == name
    assert layer.name == "mine" and layer.trainable is False
    config = keras.saving.serialize_keras_object(namespace[name]())
    with pytest.raises(wire.WireError, match="notebook's own"):
        wire._check_keras_config(config)


def test_an_array_changed_in_place_is_changed_in_the_judge_too():
    bridge = LocalBridge(student_namespace())
    x = np.ones(3)
    bridge.lookup("scale")(x)
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_a_functional_block_returns_a_tensor_the_judge_can_build_a_model_on():
    bridge = LocalBridge(student_namespace())
    inputs = keras.Input((5,))
    outputs = bridge.lookup("block")(bridge.lookup("block")(inputs, 4), 3)
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 3) and model.count_params() == 5 * 4 + 4 + 4 * 3 + 3


def test_a_test_cell_in_the_judge_never_takes_a_module_from_the_notebook():
    bridge = LocalBridge({"np": np, **student_namespace()})
    source = ("from autograder.testcell import TestCell\nhidden = TestCell(points=1)\n"
              "with hidden.test('uses np'):\n    np.zeros(1)\nhidden.score()\n")
    result = run_test_cell(source, bridge)
    assert result.score == 0 and "test cells import their own" in result.outcomes[0].message


def test_a_test_cell_must_end_with_its_result():
    with pytest.raises(TypeError, match="must end with"):
        run_test_cell("x = 1\n", LocalBridge({}))


def test_a_figures_colormaps_cross_and_an_unknown_name_is_dropped():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    axes[0].imshow(np.eye(3), cmap="gray")
    axes[1].imshow(np.eye(3))
    tree = wire.encode(fig)
    plt.close(fig)
    back = wire.decode(tree)
    assert [ax.get_images()[0].get_cmap().name for ax in back.axes] == ["gray", "viridis"]
    tree["axes"][0]["cmaps"] = ["no-such-map; import os"]
    assert wire.decode(tree).axes[0].get_images()[0].get_cmap().name == "viridis"


def test_a_tensorflow_tensor_under_another_backend_stays_one():
    """tf.data yields TensorFlow tensors on JAX too: they cross as data, not as a handle."""
    import tensorflow as tf

    tensor = round_trip(tf.constant([[1, 2], [3, 4]], dtype=tf.int32))
    assert isinstance(tensor, tf.Tensor)
    assert np.array_equal(np.asarray(tensor), [[1, 2], [3, 4]])
