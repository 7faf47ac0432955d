"""The judge's view of a student's notebook: names that stand for the student's objects.

A test written as ``assert_first_model(build_first_model(4, 2, 8), ...)`` runs in the judge, a
process that never runs student code. There ``build_first_model`` is a ``RemoteFunction``:
calling it sends a probe to the student's kernel (probes.py) and turns the data that comes back
into local values (wire.py): a model rebuilt from its config and weights, an array, a dict, or
the exception the student's function raised, raised here again as a builtin exception. Objects
with no plain form (a dataset, an instance of the student's class) stay in the kernel behind a
``RemoteObject``, whose attributes, length, items and iteration are probes too.

A ``Bridge`` carries the requests: ``KernelBridge`` (grading/judge.py) to a sandboxed kernel over
the Jupyter protocol, ``LocalBridge`` to a namespace in this same process, which is how a
student's own ``check()`` and the course's tests run the very same test code.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import weakref
from typing import Any

import numpy as np

from . import wire

_bridges: "weakref.WeakSet[Bridge]" = weakref.WeakSet()
_without_weights = contextvars.ContextVar("without_weights", default=False)
_symbolic_arguments: contextvars.ContextVar[list] = contextvars.ContextVar("symbolic_arguments", default=[])


class ProbeFailed(Exception):
    """A probe got no usable answer: the kernel timed out, died, or sent malformed data."""


class Bridge:
    """Sends requests to a student's namespace and decodes the replies (see the module docstring)."""

    local = False  # True when the namespace is in this process (no seeding across: it is shared)

    submitted_cells: list[str] | None = None  # the judge's copy of the code that ran (checks/source.py)

    def __init__(self):
        self._ids = itertools.count(1)
        self._seed: int | None = None
        self._names: dict[str, Any] = {}
        self._changed: list = []
        _bridges.add(self)

    # transport: one JSON request in, one JSON reply out
    def send(self, request_text: str) -> str:
        raise NotImplementedError

    def begin_test(self, seed: int) -> None:
        """A test starts: the student's kernel is seeded before the test's first call."""
        self._seed = seed

    def request(self, op: str, **fields) -> Any:
        from .testcell import keras_settings

        request = {"op": op, "id": next(self._ids), **fields}
        request["settings"] = keras_settings()
        if self._seed is not None and not self.local and op not in ("lookup", "release"):
            request["seed"], self._seed = self._seed, None
        without_weights = bool(fields.get("without_weights"))
        symbolic = _symbolic_arguments.get()
        text = self.send(json.dumps(request))
        try:
            reply = json.loads(text)
        except (TypeError, ValueError):
            raise ProbeFailed("the student's kernel sent a malformed answer") from None
        if not isinstance(reply, dict) or reply.get("id") != request["id"]:
            raise ProbeFailed("the student's kernel sent an answer to another question")
        changed = reply.get("changed")
        self._changed = changed if isinstance(changed, list) and all(
            isinstance(c, list) and len(c) == 2 for c in changed) else []
        if "error" in reply:
            raise ProbeFailed(f"the student's kernel could not answer: {reply['error']}")
        if reply.get("missing"):
            raise NameError(f"name {fields.get('name')!r} is not defined")
        try:
            if "raised" in reply:
                error = wire.decode(reply["raised"])
                if not isinstance(error, BaseException):
                    raise wire.WireError("a malformed error")
                raise error
            return wire.decode(reply.get("ok"), lambda tree: self._proxy(tree, symbolic),
                               without_weights=without_weights)
        except wire.UnsafeKerasObject as error:
            raise AssertionError(f"the object it returned cannot be checked: {error}") from None
        except wire.WireError as error:
            raise ProbeFailed(f"the student's kernel sent data that cannot be read: {error}") from None

    def _proxy(self, tree: dict, symbolic: list):
        if tree.get("$") == "symbolic_model":  # a functional block: its model, called on our tensors
            if tree.get("inputs") != len(symbolic) or not symbolic:
                raise wire.WireError("a functional result for other inputs than the ones sent")
            model = wire.decode_keras(tree.get("model") or {})
            return model(symbolic if len(symbolic) > 1 else symbolic[0])
        if tree.get("$") != "handle" or not isinstance(tree.get("id"), int):
            raise wire.WireError("a malformed handle")
        types = [t for t in tree.get("type", []) if isinstance(t, str)]
        if tree.get("class"):
            return RemoteClass(self, tree["id"], types)
        if tree.get("callable") and any(t.endswith(("function", "method", "partial")) for t in types[:1]):
            return RemoteFunction(self, tree["id"], types)
        return RemoteObject(self, tree["id"], types)

    def lookup(self, name: str) -> Any:
        """The student's ``name``: a proxy for a function or object, or its value as data."""
        if name not in self._names:
            self._names[name] = self.request("lookup", name=name)
        return self._names[name]

    def call(self, target: int, args: tuple, kwargs: dict, without_weights: bool = False) -> Any:
        return self._with_arguments("call", args, kwargs, target={"$": "ref", "id": target},
                                    without_weights=without_weights)

    def probe(self, name: str, *args, **kwargs) -> Any:
        """A named probe (probe_library) run in the student's kernel on these arguments."""
        return self._with_arguments("probe", args, kwargs, name=name)

    def _with_arguments(self, op: str, args, kwargs, **fields):
        symbolic: list = []
        token = _symbolic_arguments.set(symbolic)
        self._changed = []
        try:
            return self.request(op, args=encode_arguments(list(args), symbolic),
                                kwargs=encode_arguments(kwargs, symbolic), **fields)
        finally:
            _symbolic_arguments.reset(token)
            self._apply_changes(args, kwargs)

    def _apply_changes(self, args, kwargs) -> None:
        """What the student's function changed in its arguments, changed in the judge's too."""
        for key, tree in self._changed:
            original = args[key] if type(key) is int and 0 <= key < len(args) else \
                kwargs.get(key) if isinstance(key, str) else None
            try:
                if isinstance(original, np.ndarray):
                    value = wire.decode(tree)
                    if isinstance(value, np.ndarray) and value.shape == original.shape and original.flags.writeable:
                        original[...] = value
                elif original is not None and isinstance(tree, dict) and tree.get("$") == "keras":
                    wire.apply_keras_state(original, tree)
            except wire.WireError:
                continue

    def forget(self) -> None:
        """Forget looked-up names (the next cell may have redefined them); release kernel objects."""
        self._names.clear()
        self.request("release", ids=None)


def encode_arguments(value, symbolic: list | None = None):
    """Arguments for the kernel: data, Keras objects the judge built, proxies sent back as refs,
    and symbolic tensors as their shape (collected in ``symbolic``, in order)."""

    def refuse(obj):
        if wire.is_symbolic(obj) and symbolic is not None:
            symbolic.append(obj)
            return {"$": "symbolic", "shape": list(obj.shape[1:]), "dtype": str(obj.dtype)}
        raise wire.WireError(f"a {type(obj).__name__} cannot be sent to the student's kernel; "
                             "run that step as a named probe (probe_library)")

    def walk(obj):
        if isinstance(obj, Remote):
            return {"$": "ref", "id": object.__getattribute__(obj, "_id")}
        if type(obj) is list:
            return [walk(v) for v in obj]
        if type(obj) is tuple:
            return {"$": "tuple", "items": [walk(v) for v in obj]}
        if type(obj) is dict:
            return {"$": "dict", "items": [[wire.encode(k), walk(v)] for k, v in obj.items()]}
        return wire.encode(obj, refuse)

    return walk(value)


class Remote:
    """Base of the proxies: an object that lives in the student's kernel."""

    __slots__ = ("_bridge", "_id", "_types")

    def __init__(self, bridge: Bridge, number: int, types: list[str]):
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_id", number)
        object.__setattr__(self, "_types", types)

    @property
    def remote_types(self) -> list[str]:
        """The qualified names of the object's class and its bases, as the kernel reported them."""
        return list(object.__getattribute__(self, "_types"))

    def is_a(self, qualified_name: str) -> bool:
        return qualified_name in self.remote_types

    def __repr__(self) -> str:
        types = object.__getattribute__(self, "_types")
        return f"<the student's {types[0].rpartition('.')[2] if types else 'object'}>"


class RemoteFunction(Remote):
    """A student's function: calling it runs it in the kernel and returns data."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        bridge = object.__getattribute__(self, "_bridge")
        return bridge.call(object.__getattribute__(self, "_id"), args, kwargs, _without_weights.get())

    def call_without_weights(self, *args, **kwargs):
        """Call it with the models it builds left without weights (checks/unallocated.py)."""
        token = _without_weights.set(True)
        try:
            return self(*args, **kwargs)
        finally:
            _without_weights.reset(token)


class RemoteObject(RemoteFunction):
    """Any other object of the kernel: attributes, length, items and iteration are probes."""

    __slots__ = ()

    def _ask(self, op: str, **fields):
        bridge = object.__getattribute__(self, "_bridge")
        return bridge.request(op, target={"$": "ref", "id": object.__getattribute__(self, "_id")}, **fields)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __setattr__(self, name: str, value) -> None:
        self._ask("setattr", name=name, args=encode_arguments([value]))

    def __len__(self) -> int:
        value = self._ask("len")
        if type(value) is not int or value < 0:
            raise TypeError(f"len() of the student's object gave {value!r}, not a length")
        return value

    def __getitem__(self, key):
        return self._ask("getitem", args=encode_arguments([key]))

    def __iter__(self):
        iterator = self._ask("iter")
        if not isinstance(iterator, RemoteObject):
            yield from iterator if isinstance(iterator, (list, tuple)) else ()
            return
        while True:
            step = iterator._ask("next")
            if not isinstance(step, dict) or "$stop" in step:
                return
            yield step.get("$next")


class RemoteClass(RemoteObject):
    """A student's class: calling it makes an instance in the kernel (a RemoteObject)."""

    __slots__ = ()


class LocalBridge(Bridge):
    """A namespace in this process, through the same data as a kernel: what check() and tests use."""

    local = True

    def __init__(self, namespace: dict):
        super().__init__()
        self.namespace = namespace

    def send(self, request_text: str) -> str:
        from .probes import answer

        return answer(request_text, self.namespace)


def is_instance(value, cls: type) -> bool:
    """``isinstance`` that also answers for a student's object behind a proxy, by its class names."""
    if isinstance(value, Remote):
        return f"{cls.__module__}.{cls.__qualname__}" in value.remote_types
    return isinstance(value, cls)


def type_name(value) -> str:
    """The name of the value's class (for a proxy, the class of the student's object)."""
    if isinstance(value, Remote):
        types = value.remote_types
        return types[0].rpartition(".")[2] if types else "object"
    return type(value).__name__


def begin_test(seed: int = 0) -> None:
    """Called when a test starts (testcell.py): every bridge seeds its kernel before the next call."""
    for bridge in list(_bridges):
        bridge.begin_test(seed)


def bridge_of(value) -> Bridge | None:
    """The bridge behind a proxy, or behind what wraps one (``__wrapped__``, as check() remembers
    results); None for a local object."""
    if not isinstance(value, Remote):
        value = getattr(value, "__wrapped__", value)
    return object.__getattribute__(value, "_bridge") if isinstance(value, Remote) else None


def frameworks_in_submission(value) -> list[str]:
    """The frameworks a student's function reaches in the submitted notebook's code (checks/source.py),
    where the bridge holds that code (the judge's, not a student's own check()); [] otherwise."""
    from .checks.source import frameworks_in_source

    bridge = bridge_of(value)
    cells = getattr(bridge, "submitted_cells", None)
    if bridge is None or cells is None:
        return []
    target = value if isinstance(value, Remote) else getattr(value, "__wrapped__", value)
    names = [name for name, known in bridge._names.items() if known is target]
    return sorted({framework for name in names for framework in frameworks_in_source(cells, name)})


def _unremembered(value):
    """The student's function behind check()'s memo of its results (student._Remembered): a probe
    sends the function itself."""
    if isinstance(value, Remote):
        return value
    inner = getattr(value, "__wrapped__", None)
    return inner if isinstance(inner, Remote) else value


def run_probe(name: str, *args, **kwargs):
    """Run the named probe where the student's objects among the arguments live.

    With proxies (the judge, or check()), in their kernel through its bridge; with the
    student's own objects (plain ``nbgrader autograde`` runs test cells in the kernel), here,
    through the same data format, so a test sees the same values either way.
    """
    args = [_unremembered(value) for value in args]
    kwargs = {key: _unremembered(value) for key, value in kwargs.items()}
    for value in itertools.chain(args, kwargs.values()):
        if isinstance(value, Remote):
            return object.__getattribute__(value, "_bridge").probe(name, *args, **kwargs)
    from .probes import NAMED_PROBES, _load_probe_library

    _load_probe_library()
    result = NAMED_PROBES[name](*args, **kwargs)
    return wire.decode(wire.encode(result, lambda obj: (_ for _ in ()).throw(
        wire.WireError(f"probe {name} returned a {type(obj).__name__}"))))
