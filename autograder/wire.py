"""Plain data between a student's kernel and the judge: the one format both sides speak.

Untrusted code produces data; trusted code judges it. Whatever crosses from a student's kernel
to the judge is a JSON tree made of plain values and tagged objects, decoded here without
pickle and without importing anything the tree names:

- ``None``, ``bool``, ``int``, ``float`` (NaN and infinities too), ``str`` and lists as they are;
  tuples and dicts tagged (``{"$": "tuple", "items": [...]}``), so keys may be any plain value;
- NumPy arrays, NumPy scalars, backend tensors and Keras variables as ``.npy`` bytes
  (``allow_pickle=False``), each decoded as the kind it was (a TensorFlow tensor under another
  Keras backend, as ``tf.data`` yields on JAX, stays a TensorFlow tensor);
- Keras models, layers, optimizers, losses and metrics as Keras serializes them (their
  config, build and compile config), with their weights when they are small enough; the judge
  rebuilds them with ``safe_mode=True`` and refuses any class that is not Keras' own;
- a ``keras.callbacks.History`` as its ``history``, ``params`` and ``epoch``;
- an exception a student's function raised, as its class names and arguments;
- anything else (functions, classes, datasets, other objects) as a *handle*: a number the
  judge can only send back, to ask the kernel about that object again (see remote.py);
- symbolic tensors of the functional API: an argument as its shape and dtype (the kernel makes
  a ``keras.Input`` of it), a result as the model from those inputs to it, which the judge
  rebuilds and calls on its own tensors.

``encode`` runs on both sides (the judge encodes arguments too); ``decode`` is given what to do
with handles, so the kernel side resolves them to its objects and the judge side to proxies.
"""

from __future__ import annotations

import base64
import builtins
import functools
import io
import math
import sys
from typing import Any, Callable

import numpy as np

MIME = "application/vnd.keras-course.probe+json"
MAX_DEPTH = 64
MAX_ARRAY_BYTES = 256 * 2**20
WEIGHTS_LIMIT = 4_000_000  # parameters: a model larger than this crosses without its weights


class WireError(ValueError):
    """The data is not what the format allows (malformed, too large, or an unsafe object)."""


# --- encoding -----------------------------------------------------------------------------------

def _npy(array: np.ndarray) -> str:
    if array.dtype.hasobject:
        raise WireError("an array of Python objects cannot cross")
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array, order="C"), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _is_tensor(value) -> bool:
    try:
        import keras

        return keras.ops.is_tensor(value) and not isinstance(value, np.ndarray)
    except Exception:  # noqa: BLE001 - no backend, or a tensor type Keras cannot tell
        return False


def _is_tf_tensor(value) -> bool:
    """An eager TensorFlow tensor while Keras runs on another backend: ``tf.data`` yields them on
    JAX too, and Keras' ``is_tensor`` does not count them there. TensorFlow is only looked at once
    something imported it."""
    tf = sys.modules.get("tensorflow")
    try:
        return tf is not None and isinstance(value, tf.Tensor) and tf.executing_eagerly() and hasattr(value, "numpy")
    except Exception:  # noqa: BLE001 - a half-imported TensorFlow
        return False


def _is_variable(value) -> bool:
    try:
        import keras

        return isinstance(value, keras.Variable)
    except Exception:  # noqa: BLE001
        return False


def _keras_kind(value) -> str | None:
    try:
        import keras
    except ImportError:
        return None
    for kind, cls in (("model", keras.Model), ("layer", keras.layers.Layer),
                      ("optimizer", keras.optimizers.Optimizer), ("loss", keras.losses.Loss),
                      ("metric", keras.metrics.Metric)):
        if isinstance(value, cls):
            return kind
    return None


def encode_keras(value, kind: str, without_weights: bool = False) -> dict:
    """A Keras object as Keras serializes it, with its weights when it has few enough."""
    import keras

    tree = {"$": "keras", "kind": kind, "config": keras.saving.serialize_keras_object(value)}
    if kind in ("model", "layer"):
        tree["trainable"] = [bool(v.trainable) for v in _layer_flags(value)]
        if not without_weights and value.built and _all_allocated(value) and value.count_params() <= WEIGHTS_LIMIT:
            tree["weights"] = [_npy(np.asarray(keras.ops.convert_to_numpy(w))) for w in value.weights]
        states = _seed_states(value)
        if states and not without_weights:  # random layers: the same draws on either side
            tree["seed_states"] = [_npy(np.asarray(keras.ops.convert_to_numpy(s))) for s in states]
    return tree


def _seed_states(value) -> list:
    """The state of every random layer's seed generator, in a fixed order. Keras keeps them out of
    ``weights``, and a config records a seed only when one was passed: a stack whose layers drew
    their seeds after ``keras.utils.set_random_seed`` would otherwise augment differently here."""
    return [generator.state for layer in _layer_flags(value)
            for generator in getattr(layer, "_seed_generators", None) or []]


def _layer_flags(value) -> list:
    """The object and every layer below it, in a fixed order: their ``trainable`` flags cross too
    (Keras' config records them per layer, but not a flag set after the model was built)."""
    layers = [value]
    if hasattr(value, "_flatten_layers"):
        layers += list(value._flatten_layers(include_self=False, recursive=True))
    return layers


def _all_allocated(value) -> bool:
    try:
        return all(getattr(v, "_initializer", None) is None for v in value.weights)
    except Exception:  # noqa: BLE001
        return True


def encode(value: Any, handle: Callable[[Any], Any] | None = None, depth: int = 0,
           without_weights: bool = False) -> Any:
    """``value`` as a JSON tree; an object with no plain form becomes the tree ``handle(value)``
    gives (a handle, see ``handle_tree``), or a refusal without one."""
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "repr": repr(value)}
    if kind is list:
        return [encode(v, handle, depth + 1, without_weights) for v in value]
    if kind is tuple:
        return {"$": "tuple", "items": [encode(v, handle, depth + 1, without_weights) for v in value]}
    if kind is dict:
        return {"$": "dict", "items": [[encode(k, handle, depth + 1), encode(v, handle, depth + 1, without_weights)]
                                       for k, v in value.items()]}
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        return {"$": "ndarray", "npy": _npy(np.asarray(value))}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"$": "scalar", "npy": _npy(np.asarray(value))}
    if _is_tensor(value) or _is_variable(value):
        import keras

        return {"$": "tensor", "npy": _npy(np.asarray(keras.ops.convert_to_numpy(value))),
                "variable": _is_variable(value)}
    if _is_tf_tensor(value):
        return {"$": "tensor", "npy": _npy(np.asarray(value.numpy())), "variable": False, "framework": "tensorflow"}
    keras_kind = _keras_kind(value)
    if keras_kind:
        try:
            tree = encode_keras(value, keras_kind, without_weights)
            _check_keras_config(tree["config"])
            return tree
        except Exception:  # noqa: BLE001 - a class of the notebook's own, a lambda: a handle
            if handle is None:
                raise WireError(f"a {type(value).__name__} that is not made of Keras' own classes cannot cross")
    if type(value).__name__ == "History" and type(value).__module__.startswith("keras"):
        return {"$": "history", "history": encode(dict(getattr(value, "history", {}) or {}), handle, depth + 1),
                "params": encode(dict(getattr(value, "params", {}) or {}), handle, depth + 1),
                "epoch": encode(list(getattr(value, "epoch", []) or []), handle, depth + 1)}
    figure = _encode_figure(value)
    if figure is not None:
        return figure
    if handle is None:
        raise WireError(f"a {type(value).__name__} cannot cross as data")
    return handle(value)


def handle_tree(number: int, value) -> dict:
    """A handle: the number the kernel keeps ``value`` under, and what the value is."""
    return {"$": "handle", "id": number, "type": _type_names(value), "callable": callable(value),
            "class": isinstance(value, type)}


def is_symbolic(value) -> bool:
    """A symbolic tensor of the functional API (``keras.Input(...)`` and what layers make of it)."""
    try:
        import keras

        return isinstance(value, keras.KerasTensor)
    except Exception:  # noqa: BLE001
        return False


def _type_names(value) -> list[str]:
    cls = value if isinstance(value, type) else type(value)
    try:
        return [f"{c.__module__}.{c.__qualname__}" for c in cls.__mro__][:16]
    except Exception:  # noqa: BLE001 - a doctored class: its name alone
        return [str(getattr(cls, "__name__", "object"))]


def encode_error(error: BaseException) -> dict:
    """An exception raised by a student's function: its class names and plain arguments."""
    try:
        args = encode(tuple(error.args))
    except Exception:  # noqa: BLE001 - arguments that cannot cross: their text instead
        args = encode((str(error),))
    return {"$": "error", "type": _type_names(error), "args": args}


def _encode_figure(value) -> dict | None:
    """A matplotlib figure as what a test reads of it: axes, titles, labels, lines and images."""
    if not type(value).__module__.startswith("matplotlib"):
        return None
    from matplotlib.figure import Figure

    if not isinstance(value, Figure):
        return None
    axes = []
    for ax in value.get_axes():
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
            "xlim": list(map(float, ax.get_xlim())), "ylim": list(map(float, ax.get_ylim())),
            "axis_on": bool(ax.axison), "position": list(map(float, ax.get_position(original=True).bounds)),
            "xticks": list(map(float, ax.get_xticks())), "yticks": list(map(float, ax.get_yticks())),
            "lines": [{"x": _npy(np.asarray(line.get_xdata(), dtype=float)),
                       "y": _npy(np.asarray(line.get_ydata(), dtype=float)), "label": str(line.get_label())}
                      for line in ax.get_lines()],
            "images": [_npy(np.asarray(image.get_array())) for image in ax.get_images()],
            "cmaps": [str(image.get_cmap().name) for image in ax.get_images()],
            "legend": [t.get_text() for t in legend.get_texts()] if legend is not None else None,
        })
    return {"$": "figure", "size": list(map(float, value.get_size_inches())), "suptitle":
            value._suptitle.get_text() if getattr(value, "_suptitle", None) else "", "axes": axes}


# --- decoding -----------------------------------------------------------------------------------

def _array(text: Any) -> np.ndarray:
    if not isinstance(text, str):
        raise WireError("an array's bytes should be a string")
    if len(text) * 3 // 4 > MAX_ARRAY_BYTES:
        raise WireError("an array is too large")
    try:
        array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except Exception as error:  # noqa: BLE001 - anything malformed is the sender's fault
        raise WireError(f"an array could not be read ({type(error).__name__})") from None
    if type(array) is not np.ndarray:
        raise WireError("an array could not be read")
    return array


def _check_keras_config(config: Any, depth: int = 0) -> None:
    """Only Keras' own classes and functions: the judge never imports a module a config names."""
    if depth > MAX_DEPTH:
        raise WireError("a Keras config is nested too deeply")
    if isinstance(config, dict):
        module = config.get("module")
        if isinstance(module, str) and not (module == "keras" or module.startswith("keras.")
                                            or module == "builtins"):
            name = config.get("class_name") or config.get("config")
            raise WireError(f"the class or function {name!r} is defined in the notebook ({module}), not in Keras")
        if config.get("class_name") == "__lambda__" or config.get("class_name") == "function" and module != "keras":
            raise WireError("a lambda or a function defined in the notebook cannot cross as data")
        # A class the notebook registered (register_keras_serializable) is named by "package>Name" with
        # no module; one defined outside any module says "builtins", where Keras' own say so only of functions
        registered = config.get("registered_name")
        if "class_name" in config and module is None and registered is not None or \
                module == "builtins" and config.get("class_name") not in (None, "function"):
            raise WireError(f"the class {config.get('class_name')!r} is the notebook's own ({registered}), not Keras'")
        for value in config.values():
            _check_keras_config(value, depth + 1)
    elif isinstance(config, list):
        for value in config:
            _check_keras_config(value, depth + 1)


class UnsafeKerasObject(WireError):
    """A Keras object that the judge will not rebuild (a class of the notebook's own, a lambda)."""


def decode_keras(tree: dict, without_weights: bool = False):
    """Rebuild a Keras object from its config, safely; set its weights and ``trainable`` flags."""
    import keras

    try:
        _check_keras_config(tree.get("config"))
    except WireError as error:
        raise UnsafeKerasObject(str(error)) from None
    from .checks.unallocated import unallocated_weights

    try:
        if without_weights:
            with unallocated_weights():
                value = keras.saving.deserialize_keras_object(tree["config"], safe_mode=True)
        else:
            value = keras.saving.deserialize_keras_object(tree["config"], safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras could not rebuild what the config says
        raise UnsafeKerasObject(f"Keras could not rebuild it from its configuration "
                                f"({type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''})") from None
    flags = tree.get("trainable")
    if isinstance(flags, list) and tree.get("kind") in ("model", "layer"):
        layers = _layer_flags(value)
        if len(layers) == len(flags):
            for layer, flag in zip(layers, flags):
                if layer.trainable != bool(flag):
                    layer.trainable = bool(flag)
    weights = tree.get("weights")
    if weights is not None:
        arrays = [_array(w) for w in weights]
        if len(arrays) != len(value.weights):
            raise UnsafeKerasObject(f"its configuration makes {len(value.weights)} weights, but it sent {len(arrays)}")
        for variable, array in zip(value.weights, arrays):
            if tuple(variable.shape) != array.shape:
                raise UnsafeKerasObject(f"a weight of shape {array.shape} does not fit {variable.path} "
                                        f"{tuple(variable.shape)}")
            variable.assign(array)
    seeds = tree.get("seed_states")
    if isinstance(seeds, list):
        states = _seed_states(value)
        arrays = [_array(state) for state in seeds]
        if len(arrays) == len(states) and all(tuple(s.shape) == a.shape for s, a in zip(states, arrays)):
            for state, array in zip(states, arrays):
                state.assign(array.astype(str(state.dtype)))
    return value


def apply_keras_state(target, tree: dict) -> None:
    """Give a judge's Keras model the weights, ``trainable`` flags and compile settings that the
    kernel's copy of it has after a student's function changed it in place.

    Read from the tree as data, without rebuilding the model (a functional model's rebuild costs
    a tenth of a second, and a test passes the same model to the student's functions many times).
    """
    config = tree.get("config")
    try:
        _check_keras_config(config)
    except WireError as error:
        raise UnsafeKerasObject(str(error)) from None
    if not isinstance(config, dict) or config.get("class_name") != type(target).__name__:
        raise WireError("the model changed its architecture")
    layers, flags = _layer_flags(target), tree.get("trainable")
    if not isinstance(flags, list) or len(flags) != len(layers):
        raise WireError("the model changed its architecture")
    weights = tree.get("weights")
    arrays = [_array(w) for w in weights] if isinstance(weights, list) else None
    if arrays is not None and (len(arrays) != len(target.weights) or any(
            tuple(v.shape) != a.shape for v, a in zip(target.weights, arrays))):
        raise WireError("the model changed its architecture")
    for layer, flag in zip(layers, flags):
        if layer.trainable != bool(flag):
            layer.trainable = bool(flag)
    for variable, array in zip(target.weights, arrays or []):
        variable.assign(array)
    compile_config = config.get("compile_config")
    if isinstance(compile_config, dict) and hasattr(target, "compile_from_config"):
        try:
            target.compile_from_config(compile_config)
        except Exception as error:  # noqa: BLE001 - settings Keras cannot rebuild: the judge says so
            raise UnsafeKerasObject(f"Keras could not rebuild its compile settings ({type(error).__name__})") from None


class RemoteError(Exception):
    """Base of the exceptions rebuilt from a student's kernel whose class is not a builtin one."""


_ERROR_CLASSES: dict[tuple, type] = {}


def decode_error(tree: dict) -> BaseException:
    """The exception a student's function raised, as a local exception of a builtin class.

    Its class is the builtin exception it derives from (``ValueError`` for a ``ValueError``
    subclass), under its own name; ``SystemExit`` and ``KeyboardInterrupt`` become ordinary
    exceptions, so that a student's call never stops the judge.
    """
    names = [n for n in tree.get("type", []) if isinstance(n, str)] or ["builtins.Exception"]
    base = RemoteError
    for name in names:
        module, _, qualname = name.rpartition(".")
        candidate = getattr(builtins, qualname, None) if module == "builtins" else None
        if isinstance(candidate, type) and issubclass(candidate, Exception):
            base = candidate
            break
    own = names[0].rpartition(".")[2] or "Exception"
    args = decode(tree.get("args", {"$": "tuple", "items": []}))
    args = args if isinstance(args, tuple) else (args,)
    if own == base.__name__:
        cls = base
    else:
        key = (own, base)
        if key not in _ERROR_CLASSES:
            _ERROR_CLASSES[key] = type(own, (base,), {"__module__": "student"})
        cls = _ERROR_CLASSES[key]
    try:
        return cls(*args)
    except Exception:  # noqa: BLE001 - a builtin that wants other arguments (UnicodeError, ...)
        return cls(*map(str, args))


def decode(tree: Any, handle: Callable[[dict], Any] | None = None, depth: int = 0,
           without_weights: bool = False) -> Any:
    """The value a JSON tree stands for; a handle becomes ``handle(tree)`` (a refusal without one)."""
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    kind = type(tree)
    if tree is None or kind in (bool, int, str):
        return tree
    if kind is float:
        return tree
    if kind is list:
        return [decode(v, handle, depth + 1, without_weights) for v in tree]
    if kind is not dict:
        raise WireError(f"unexpected {kind.__name__} in the data")
    tag = tree.get("$")
    if tag == "float":
        text = tree.get("repr")
        if text not in ("nan", "inf", "-inf"):
            raise WireError("a malformed float")
        return float(text)
    if tag == "tuple":
        return tuple(decode(v, handle, depth + 1, without_weights) for v in _items(tree))
    if tag == "dict":
        out = {}
        for pair in _items(tree):
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError("a malformed dict")
            key = decode(pair[0], handle, depth + 1)
            try:
                hash(key)
            except TypeError:
                raise WireError("a dict key that is not a plain value") from None
            out[key] = decode(pair[1], handle, depth + 1, without_weights)
        return out
    if tag == "ndarray":
        return _array(tree.get("npy"))
    if tag == "tensor":  # a backend tensor stays one (a test may ask for NumPy arrays)
        import keras

        array = _array(tree.get("npy"))
        if tree.get("framework") == "tensorflow" and keras.config.backend() != "tensorflow" \
                and sys.modules.get("tensorflow") is not None:  # the judge has it too (it imported tf.data)
            return sys.modules["tensorflow"].convert_to_tensor(array)
        return keras.Variable(array, trainable=False) if tree.get("variable") else keras.ops.convert_to_tensor(array)
    if tag == "scalar":
        array = _array(tree.get("npy"))
        if array.ndim:
            raise WireError("a malformed scalar")
        return array[()]
    if tag == "keras":
        return decode_keras(tree, without_weights)
    if tag == "history":
        import keras

        history = keras.callbacks.History()
        history.history = decode(tree.get("history"), None, depth + 1)
        history.params = decode(tree.get("params"), None, depth + 1)
        history.epoch = decode(tree.get("epoch"), None, depth + 1)
        if not isinstance(history.history, dict) or not isinstance(history.params, dict):
            raise WireError("a malformed History")
        return history
    if tag == "figure":
        return _decode_figure(tree)
    if tag == "error":
        return decode_error(tree)
    if tag in ("handle", "ref", "symbolic", "symbolic_model"):
        if handle is None:
            raise WireError("an object that cannot cross as data")
        return handle(tree)
    raise WireError(f"unknown tag {tag!r} in the data")


def _items(tree: dict) -> list:
    items = tree.get("items")
    if not isinstance(items, list):
        raise WireError("a malformed container")
    return items


@functools.lru_cache(maxsize=1)
def _colormaps() -> frozenset[str]:
    """Matplotlib's colormap names, read once: a figure's every image is checked against them."""
    import matplotlib

    return frozenset(matplotlib.colormaps)


def _decode_figure(tree: dict):
    """A matplotlib figure with the axes, labels, lines and images the kernel described."""
    from matplotlib.figure import Figure

    size = tree.get("size")
    figure = Figure(figsize=tuple(size) if isinstance(size, list) and len(size) == 2 else None)
    if isinstance(tree.get("suptitle"), str) and tree["suptitle"]:
        figure.suptitle(tree["suptitle"])
    for spec in tree.get("axes") or []:
        if not isinstance(spec, dict):
            raise WireError("a malformed figure")
        position = spec.get("position")
        if not (isinstance(position, list) and len(position) == 4 and all(type(v) in (int, float) for v in position)):
            raise WireError("a malformed figure")
        ax = figure.add_axes(position)
        for line in spec.get("lines") or []:
            ax.plot(_array(line.get("x")), _array(line.get("y")), label=str(line.get("label", "")))
        cmaps = spec.get("cmaps") if isinstance(spec.get("cmaps"), list) else []
        for i, image in enumerate(spec.get("images") or []):
            cmap = cmaps[i] if i < len(cmaps) else None
            ax.imshow(_array(image), cmap=cmap if isinstance(cmap, str) and cmap in _colormaps() else None)
        ax.set_title(str(spec.get("title", "")))
        ax.set_xlabel(str(spec.get("xlabel", "")))
        ax.set_ylabel(str(spec.get("ylabel", "")))
        for limits, setter in ((spec.get("xlim"), ax.set_xlim), (spec.get("ylim"), ax.set_ylim)):
            if isinstance(limits, list) and len(limits) == 2:
                setter(*map(float, limits))
        for ticks, setter in ((spec.get("xticks"), ax.set_xticks), (spec.get("yticks"), ax.set_yticks)):
            if isinstance(ticks, list) and all(type(v) in (int, float) for v in ticks):
                setter(ticks)
        if spec.get("legend") is not None:
            ax.legend()
        if spec.get("axis_on") is False:
            ax.set_axis_off()
    return figure
