"""The kernel's side of grading: run a student's code on the judge's inputs and hand back data.

When a notebook is graded, its test cells never run in the student's kernel. The judge (see
remote.py and grading/judge.py) runs them in its own process and, whenever a test needs the
student's work, sends the kernel a *probe*: one small request such as "call
``build_first_model`` with ``(4, 2, 8)``" or "the length of object 3". ``serve`` answers it with
plain data (wire.py). What runs here is the student's process: whatever it answers is data to be
judged, never a verdict, and no test's source, assertion or message is ever sent here.

A few tests need several steps in the student's process (train a GAN for one step with the
judge's models; draw random numbers between two calls). Those steps are *named probes*,
instructor-written functions registered with ``@named_probe`` in ``autograder/probe_library``:
they return data too, and the judge decides what it means.
"""

from __future__ import annotations

import contextlib
import importlib
import json
from typing import Any, Callable

from . import wire

_objects: dict[int, Any] = {}   # handles the judge holds, by number
_next_id = [1]
NAMED_PROBES: dict[str, Callable] = {}
_saved_settings: list[dict] = []


def named_probe(name: str):
    """Register a multi-step probe that the judge can ask for by name."""

    def register(func: Callable) -> Callable:
        NAMED_PROBES[name] = func
        return func

    return register


_symbolic_inputs: list = []     # the keras.Input made for the current request's symbolic arguments


def _handle(value) -> dict:
    if wire.is_symbolic(value) and _symbolic_inputs:  # the functional API: the model up to it
        import keras

        model = keras.Model(list(_symbolic_inputs), value)
        return {"$": "symbolic_model", "model": wire.encode_keras(model, "model"), "inputs": len(_symbolic_inputs)}
    for number, known in _objects.items():
        if known is value:
            return wire.handle_tree(number, value)
    number = _next_id[0]
    _next_id[0] += 1
    _objects[number] = value
    return wire.handle_tree(number, value)


def _resolve(tree: dict) -> Any:
    if tree.get("$") == "symbolic":
        import keras

        shape, dtype = tree.get("shape"), tree.get("dtype")
        if not isinstance(shape, list) or not all(d is None or type(d) is int for d in shape):
            raise wire.WireError("a malformed symbolic tensor")
        tensor = keras.Input(shape=tuple(shape), dtype=dtype if isinstance(dtype, str) else None)
        _symbolic_inputs.append(tensor)
        return tensor
    number = tree.get("id")
    if tree.get("$") == "ref" and number in _objects:
        return _objects[number]
    raise wire.WireError(f"no object {number!r} in this kernel (it was released or never existed)")


def _arguments(request: dict) -> tuple[list, dict]:
    args = wire.decode(request.get("args", []), _resolve)
    kwargs = wire.decode(request.get("kwargs", {"$": "dict", "items": []}), _resolve)
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise wire.WireError("malformed arguments")
    _watched.clear()
    for key, value in list(enumerate(args)) + list(kwargs.items()):
        state = _state(value)
        if state is not None:
            _watched.append((key, value, state))
    return args, kwargs


# Arguments a call may change in place (arrays, Keras models): their state before the call, so that
# the judge's own copies can be changed the same way afterwards.
_watched: list = []


def _state(value):
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and hasattr(value, "shape"):
        return json.dumps(wire.encode(value))
    if wire._keras_kind(value) in ("model", "layer"):
        try:
            return json.dumps(wire.encode_keras(value, wire._keras_kind(value)))
        except Exception:  # noqa: BLE001
            return None
    return None


def _changed_arguments() -> list:
    changed = []
    for key, value, before in _watched:
        after = _state(value)
        if after is not None and after != before:
            changed.append([key, json.loads(after)])
    _watched.clear()
    return changed


@contextlib.contextmanager
def _settings(request: dict):
    """The judge's Keras settings (and, at a test's first call, its seed) for the call."""
    import keras

    from .testcell import apply_keras_settings

    settings = request.get("settings")
    apply_keras_settings(settings if isinstance(settings, dict) else {})
    if request.get("seed") is not None:
        keras.utils.set_random_seed(int(request["seed"]))
    yield


def _load_probe_library() -> None:
    importlib.import_module("autograder.probe_library")


def handle(request: dict, namespace: dict) -> dict:
    """Answer one request: ``{"ok": data}``, ``{"raised": error}``, or ``{"error": why}``."""
    from .testcell import apply_keras_settings, keras_settings, no_output

    _symbolic_inputs.clear()
    _watched.clear()
    try:
        op = request.get("op")
        with no_output():
            if op == "lookup":
                name = request.get("name")
                if not isinstance(name, str) or name not in namespace:
                    return {"missing": True}
                return {"ok": _encode(namespace[name], request)}
            if op == "release":
                for number in request.get("ids") or list(_objects):
                    _objects.pop(number, None)
                return {"ok": None}
            if op == "begin_cell":
                _saved_settings.append(keras_settings())
                return {"ok": None}
            if op == "end_cell":
                if _saved_settings:
                    apply_keras_settings(_saved_settings.pop())
                return {"ok": None}
            with _settings(request):
                try:
                    result = _operate(op, request)
                except (KeyboardInterrupt, wire.WireError):
                    raise
                except BaseException as error:  # the student's code raised: that is data too
                    return {"raised": wire.encode_error(error), "changed": _changed_arguments()}
            return {"ok": _encode(result, request), "changed": _changed_arguments()}
    except wire.WireError as error:
        return {"error": str(error)}


def _encode(value, request: dict):
    return wire.encode(value, _handle, without_weights=bool(request.get("without_weights")))


def _operate(op: str, request: dict):
    if op == "call":
        target = _resolve(request.get("target") or {})
        args, kwargs = _arguments(request)
        if request.get("without_weights"):
            from .checks.unallocated import build_without_weights

            return build_without_weights(target, *args, **kwargs)
        return target(*args, **kwargs)
    if op == "probe":
        _load_probe_library()
        name = request.get("name")
        if name not in NAMED_PROBES:
            raise wire.WireError(f"no probe called {name!r}")
        args, kwargs = _arguments(request)
        return NAMED_PROBES[name](*args, **kwargs)
    target = _resolve(request.get("target") or {})
    if op == "getattr":
        name = request.get("name")
        if not isinstance(name, str):
            raise wire.WireError("malformed attribute name")
        return getattr(target, name)
    if op == "setattr":
        args, _ = _arguments(request)
        setattr(target, request.get("name"), args[0])
        return None
    if op == "len":
        return len(target)
    if op == "getitem":
        args, _ = _arguments(request)
        return target[args[0]]
    if op == "iter":
        return iter(target)
    if op == "next":
        try:
            return {"$next": next(target)}
        except StopIteration:
            return {"$stop": True}
    raise wire.WireError(f"unknown request {op!r}")


def answer(request_text: str, namespace: dict | None = None) -> str:
    """The reply to one JSON request, as JSON text (the judge's LocalBridge uses it directly)."""
    try:
        request = json.loads(request_text)
        if not isinstance(request, dict):
            raise ValueError("not an object")
    except ValueError as error:
        return json.dumps({"error": f"malformed request ({error})"})
    if namespace is None:
        namespace = _notebook_namespace()
    reply = handle(request, namespace)
    reply["id"] = request.get("id")
    return json.dumps(reply)


def _notebook_namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:
        pass
    import __main__

    return vars(__main__)


def serve(request_text: str) -> None:
    """Answer a request from the judge in a kernel: the reply goes out as a display message."""
    reply = answer(request_text)
    from IPython.display import display

    display({wire.MIME: json.loads(reply)}, raw=True)
