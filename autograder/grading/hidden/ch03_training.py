"""Chapter 3's hidden-test helpers (grader only; the shared ones stay in autograder/exercises/ch03_training.py)."""

from __future__ import annotations

from ...checks.raises import assert_raises
from ...exercises.ch03_training import TASK_SECTION, TASKS, task_model
from ...i18n.messages import N_


def assert_rejects(compile_for_task, task: str, activation: str, units: int = 3) -> None:
    """compile_for_task raises ValueError for a model whose output activation does not fit ``task``."""
    model = task_model(activation, units)
    assert_raises(lambda: compile_for_task(model, task),
                  N_(f"compile_for_task(<model with a {activation} output>, {task!r}), an output that does not "
                     "fit the task,"), section=f'"{TASK_SECTION}"')


def assert_rejects_task(compile_for_task, task: str) -> None:
    """compile_for_task raises ValueError naming the table's tasks for a task not in it, whatever
    the model: rejected for the task itself, not by an activation check that fails along the way."""
    for activation in ("softmax", "sigmoid", "linear"):
        model = task_model(activation, 1 if activation != "softmax" else 3)
        assert_raises(lambda: compile_for_task(model, task),
                      N_(f"compile_for_task(<model with a {activation} output>, {task!r}), a task not in the table,"),
                      words=tuple(TASKS), section=f'"{TASK_SECTION}"')
