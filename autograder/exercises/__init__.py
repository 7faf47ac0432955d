"""The public tests of every exercise, registered by exercise id.

Each chapter module (``ch05_cnn.py``, ...) decorates plain functions with ``@public_test("id")``.
A test asks for what it needs from the student's notebook by naming it as a parameter, the way
pytest asks for fixtures: ``def layers_at_defaults(build_lenet5): ...``. Hidden tests are not
here: they live only in the instructor's notebooks under source/, and the helpers only they use in
autograder/grading/hidden/, which students' images do not hold. Helpers here may be shared with them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class PublicTest:
    exercise: str
    name: str
    description: str  # first line of the docstring: what a student reads next to pass/fail
    func: Callable

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.func).parameters)


_REGISTRY: dict[str, list[PublicTest]] = {}
_loaded = False


def public_test(exercise: str):
    """Register the decorated function as one public test of ``exercise``."""

    def register(func: Callable) -> Callable:
        doc = (func.__doc__ or func.__name__).strip().splitlines()[0]
        _REGISTRY.setdefault(exercise, []).append(PublicTest(exercise, func.__name__, doc, func))
        return func

    return register


def _load_chapters() -> None:
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True


def exercise_ids() -> list[str]:
    _load_chapters()
    return list(_REGISTRY)


def public_tests(exercise: str) -> list[PublicTest]:
    _load_chapters()
    if exercise not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no exercise called {exercise!r}; the course has: {known}")
    return list(_REGISTRY[exercise])
