"""The judge: graded test cells run here, in the grader's process, never in a student's kernel.

Untrusted code produces data; trusted code judges it and writes the grade. A graded cell's
source (``check("vgg", points=3)``, or a hidden cell's ``TestCell`` block, as the gradebook
holds it) is executed by ``run_test_cell`` in a namespace of the judge's own. The student's
names that the cell uses resolve, through a bridge, to proxies of the student's objects
(remote.py); everything the tests compute with them (reference models, expected values,
messages, points) is computed here. The result replaces whatever the cell would have shown:
``result_outputs`` is all a graded cell holds when nbgrader scores it.

``KernelBridge`` carries the probes to a kernel over the Jupyter protocol: each is one
``execute_request`` that calls ``autograder.probes.serve`` with a JSON request; the answer is the
display message of that execution that carries the probe MIME type. Nothing the kernel prints
in the meantime is kept.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import json
import time
from queue import Empty

import nbformat
from nbclient.exceptions import DeadKernelError

from .. import wire
from ..remote import Bridge, ProbeFailed, RemoteObject
from ..student import check_through
from ..testcell import CellResult, apply_keras_settings, keras_settings, no_output

MODULE_TYPES = ("builtins.module",)


class JudgeNamespace(dict):
    """A test cell's globals: its own names, the judge's ``check``, and the student's names on demand.

    A name the cell does not define, import or find among the builtins is looked up in the
    student's notebook (a proxy or plain data). A module is never taken from the student's
    notebook: a test imports what it uses.
    """

    def __init__(self, bridge: Bridge):
        super().__init__(__name__="__judge__", __builtins__=builtins, check=check_through(bridge))
        self.bridge = bridge

    def __missing__(self, name: str):
        if hasattr(builtins, name):
            raise KeyError(name)  # Python goes on to the builtins
        with no_output():
            value = self.bridge.lookup(name)
        if isinstance(value, RemoteObject) and value.remote_types[:1] == list(MODULE_TYPES):
            raise NameError(f"name {name!r} is a module of the student's notebook; test cells import their own")
        self[name] = value
        return value


def run_test_cell(source: str, bridge: Bridge) -> CellResult:
    """Execute a test cell's source in the judge and return what its last line gives.

    Raises what the cell raises (a test cell that breaks outside its tests) and ``TypeError``
    when the last line gives no ``CellResult``.
    """
    namespace = JudgeNamespace(bridge)
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    try:
        exec(compile(tree, "<test cell>", "exec"), namespace)  # noqa: S102 - the instructor's own source
        value = eval(compile(ast.Expression(last.value), "<test cell>", "eval"), namespace) if last else None
    finally:
        try:
            with no_output():
                bridge.forget()
        except (ProbeFailed, wire.WireError):
            pass
    if not isinstance(value, CellResult) or value.points is None:
        raise TypeError("a graded test cell must end with hidden.score() or check(..., points=N)")
    return value


def result_outputs(result: CellResult, execution_count: int | None = None) -> list:
    """A graded cell's outputs: the judge's result alone (nbgrader reads its text as the score)."""
    return [nbformat.v4.new_output("execute_result", data=result._repr_mimebundle_(),
                                   execution_count=execution_count)]


def error_outputs(name: str, message: str) -> list:
    """A graded cell that could not be judged: one error, which nbgrader scores 0."""
    return [nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])]


PROBE_CODE = "__import__('autograder.probes', fromlist=['serve']).serve({request!r})"


class KernelBridge(Bridge):
    """Probes over the Jupyter protocol, to the kernel an nbclient executor is running.

    ``deadline`` (monotonic seconds) is when the cell being judged must be done: a probe still
    running then is interrupted and fails, and later probes of that cell fail at once. A kernel
    that died makes every later probe fail; ``dead`` tells the executor.
    """

    def __init__(self, client, kernel_manager, deadline: float = float("inf")):
        super().__init__()
        self.client, self.km = client, kernel_manager
        self.deadline = deadline
        self.dead = False
        self.probes, self.probe_seconds = 0, 0.0  # what the kernel's side cost, for the summary

    def send(self, request_text: str) -> str:
        from jupyter_core.utils import run_sync

        if self.dead:
            raise DeadKernelError("the kernel died")
        if time.monotonic() >= self.deadline:
            raise ProbeFailed("no time left: the student's code did not finish in time")
        started = time.monotonic()
        try:
            return run_sync(self._send)(request_text)
        finally:
            self.probes += 1
            self.probe_seconds += time.monotonic() - started

    async def _send(self, request_text: str) -> str:
        msg_id = self.client.execute(PROBE_CODE.format(request=request_text), silent=False, store_history=False,
                                     allow_stdin=False, stop_on_error=False)
        answer = None
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                await self._interrupt()
                raise ProbeFailed("the student's code did not finish in time")
            try:
                message = await self.client.get_iopub_msg(timeout=min(remaining, 1.0))
            except Empty:
                if not await self.km.is_alive():
                    self.dead = True
                    raise DeadKernelError("the kernel died") from None
                continue
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message.get("msg_type"), message.get("content", {})
            if kind == "display_data" and wire.MIME in content.get("data", {}):
                answer = content["data"][wire.MIME]
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        await self._drain_reply(msg_id)
        if answer is None:
            raise ProbeFailed("the student's kernel gave no answer (an error in the notebook's set-up, "
                              "or code that changed how the kernel displays results)")
        return json.dumps(answer)

    async def _drain_reply(self, msg_id: str) -> None:
        try:
            while True:
                reply = await self.client.get_shell_msg(timeout=5)
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    return
        except Empty:
            return

    async def _interrupt(self) -> None:
        try:
            await self.km.interrupt_kernel()
            end = time.monotonic() + 10
            while time.monotonic() < end:
                message = await self.client.get_iopub_msg(timeout=1)
                if message.get("msg_type") == "status" and message["content"].get("execution_state") == "idle":
                    return
        except Exception:  # noqa: BLE001 - a kernel that will not stop is killed by the watchdog
            return


def judged_outputs(source: str, bridge: Bridge) -> list:
    """A graded test cell judged through ``bridge``: its result, or one error that scores 0.

    The judge's Keras settings are the same before and after; so are the kernel's (begin_cell
    and end_cell), whatever the cell's tests set while they ran.
    """
    saved = keras_settings()
    try:
        with no_output():
            bridge.request("begin_cell")
        try:
            result = run_test_cell(source, bridge)
        finally:
            with no_output(), contextlib.suppress(Exception):
                bridge.request("end_cell")
    except KeyboardInterrupt:
        raise
    except (ProbeFailed, DeadKernelError) as error:
        return error_outputs("ProbeFailed", str(error))
    except Exception as error:  # noqa: BLE001 - the cell broke outside its tests: it earns nothing
        return error_outputs(type(error).__name__, str(error) or type(error).__name__)
    finally:
        apply_keras_settings(saved)
    return result_outputs(result)
