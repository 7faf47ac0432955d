"""One grading slot's worker: a warm sandboxed kernel per submission, never one kernel for two.

``keras-course grade`` starts one worker per slot (``python -m autograder.grading.worker``). The worker
runs as the grader, outside the sandbox; only its kernels run inside (see sandbox.py). In a loop
it starts a kernel in a fresh private folder with numpy, keras and TensorFlow already imported
(the few seconds every notebook spends first: forked from the slot's fork server, see
kernel_forkserver.py, or started cold and warmed up where forking is not possible), says
``ready``, waits for one job, executes that notebook with nbgrader's own ``Execute`` preprocessor
under the time, memory and output limits (its test cells judged here, in the worker's own process,
never sent to the kernel: judge.py), writes the executed notebook where the job says, says
``done``, and kills the kernel and anything it left. Messages are JSON lines on stdout; the
grader writes jobs as JSON lines on stdin.

A cell that never ran (the kernel died, or the submission ran out of time) gets an error output,
so that nbgrader scores it 0 instead of reading "no output" as full marks.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute

from ..i18n.messages import notebook_language, use_language
from ..testcell import is_test_cell
from .judge import KernelBridge, judged_outputs
from .kernel_forkserver import WARM_MODULES, ForkServer, ForkServerError, forkable
from .sandbox import Limits, Mode, Sandbox, process_tree_rss

# Imported in each kernel before its submission arrives (at once when forked); names are not left.
WARM_CODE = ("def _kc_warm():\n    import importlib\n    for name in %r:\n        try:\n"
             "            importlib.import_module(name)\n        except Exception:\n            pass\n"
             "_kc_warm()\ndel _kc_warm\n") % (WARM_MODULES,)
# What the kernel sees of the grader's environment: nothing secret (no db_url, no tokens).
ENV_PASSED = ("LANG", "LC_ALL", "TZ", "KERAS_BACKEND", "KERAS_COURSE_DATA", "TF_CPP_MIN_LOG_LEVEL",
              "CUDA_VISIBLE_DEVICES", "PYTHONHASHSEED", "XLA_FLAGS")
# On JAX, XLA compiles every step and, eagerly, every operation for each new shape; for the course's small
# models compiling costs more than the code it optimizes, so its CPU compiler runs at a lighter level
# (measured on 2 cores: chapter 1's in-process tests 31 s -> 22 s, chapter 6's GAN fit 10.3 s -> 7.3 s;
# level 0 compiles faster still but runs chapter 6's convolutions four times slower).
JAX_XLA_FLAGS = "--xla_backend_optimization_level=1"
MAX_OUTPUT_BYTES = 2 * 2**20  # per cell; execute results and errors are always kept (they score)


@dataclass
class Execution:
    """What happened to one notebook: the grader reads it back as the ``done`` message."""

    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    stopped: str = ""  # why execution stopped early, if it did
    judge_seconds: float = 0.0  # test cells judged, probes included
    probes: int = 0
    probe_seconds: float = 0.0  # of judge_seconds: waiting on the kernel's answers


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel that starts inside the sandbox and listens on Unix sockets in its private folder."""

    sandbox: Sandbox | None = None

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        self.sandbox.give(Path(self.connection_file))  # written by us, read by the kernel's user
        return self.sandbox.wrap(command)


class ForkedKernelManager(SandboxedKernelManager):
    """A kernel forked by the slot's fork server (already in the sandbox) instead of started cold."""

    server: ForkServer | None = None

    def format_kernel_cmd(self, extra_arguments=None):
        command = AsyncKernelManager.format_kernel_cmd(self, extra_arguments)
        self.sandbox.give(Path(self.connection_file))
        return command

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        process = self.server.fork(kernel_cmd, kw["env"], kw["cwd"])
        # jupyter_client's local provisioner only needs a Popen-like process and its group.
        self.provisioner.process, self.provisioner.pid, self.provisioner.pgid = process, process.pid, process.pid
        self._reconcile_connection_info(self.provisioner.connection_info)


def kernel_env(sandbox: Sandbox, threads: int) -> dict[str, str]:
    env = {name: os.environ[name] for name in ENV_PASSED if name in os.environ}
    home = str(sandbox.workdir)
    env.update(PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", HOME=home,
               TMPDIR=home, NBGRADER_EXECUTION="autograde", PYTHONNOUSERSITE="1")
    if threads:  # parallel submissions: one thread pool each, not every pool on every core
        env.update(OMP_NUM_THREADS=str(threads), TF_NUM_INTRAOP_THREADS=str(threads),
                   TF_NUM_INTEROP_THREADS=str(max(2, threads)))
    return env


def kernel_log(sandbox: Sandbox) -> Path:
    return sandbox.workdir.parent / "executed" / f"kernel-slot-{sandbox.slot}.log"


def start_warm_kernel(sandbox: Sandbox, kernel_name: str, threads: int,
                      server: ForkServer | None = None) -> SandboxedKernelManager:
    workdir = sandbox.fresh_workdir()
    manager = ForkedKernelManager if server else SandboxedKernelManager
    km = manager(kernel_name=kernel_name, transport="ipc", ip=str(workdir / "kernel"),
                 connection_file=str(workdir / "kernel.json"))
    km.sandbox, km.server = sandbox, server
    with open(kernel_log(sandbox), "w") as log:  # the kernel's own stderr: why it would not start
        run_sync(km.start_kernel)(cwd=str(workdir), env=kernel_env(sandbox, threads),
                                  extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                  stdout=subprocess.DEVNULL, stderr=log)
    try:
        run_sync(_warm_up)(km)
    except BaseException:
        shutdown(km, sandbox)
        raise
    return km


async def _warm_up(km: AsyncKernelManager) -> None:
    # Async clients only: nbclient's event loop must keep running to notice a kernel that died.
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        await client.execute_interactive(WARM_CODE, silent=True, store_history=False, timeout=300)
    finally:
        client.stop_channels()


class LimitedExecute(Execute):
    """nbgrader's Execute with a per-submission deadline, an output cap and dead-kernel handling."""

    def __init__(self, deadline: float, execution: Execution, **kwargs):
        super().__init__(**kwargs)
        self.deadline, self.execution = deadline, execution
        self.timeout_func = self._cell_timeout
        self._sizes: dict[int, int] = {}
        self.bridge: KernelBridge | None = None

    def _cell_timeout(self, cell) -> int:
        return max(1, int(min(self.timeout, self.deadline - time.monotonic())))

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self.execution.stopped:
            return not_run(cell, self.execution.stopped), resources
        started = time.monotonic()
        try:
            if is_test_cell(cell):  # judged here; its source never reaches the kernel
                return self._judge(cell, index), resources
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.execution.stopped = f"the kernel died in cell {index}"
            return not_run(cell, self.execution.stopped), resources
        finally:
            if time.monotonic() - started >= self._cell_timeout(cell) and not self.execution.stopped:
                self.execution.notes.append(f"cell {index} ran out of time")

    def _judge(self, cell, index: int):
        """The cell's tests run in this process; the student's kernel only answers probes."""
        if self.bridge is None or self.bridge.client is not self.kc:
            self.bridge = KernelBridge(self.kc, self.km)
        self.bridge.deadline = time.monotonic() + self._cell_timeout(cell)
        # The code that ran before this cell, as submitted: data the judge reads (checks/source.py).
        self.bridge.submitted_cells = [c.source for c in self.nb.cells[:index]
                                       if c.cell_type == "code" and not is_test_cell(c)]
        started, probes, waited = time.monotonic(), self.bridge.probes, self.bridge.probe_seconds
        cell.outputs = judged_outputs(cell.source, self.bridge)
        cell.execution_count = None
        self.execution.judge_seconds = round(self.execution.judge_seconds + time.monotonic() - started, 3)
        self.execution.probes += self.bridge.probes - probes
        self.execution.probe_seconds = round(self.execution.probe_seconds + self.bridge.probe_seconds - waited, 3)
        if self.bridge.dead:
            self.execution.stopped = f"the kernel died in cell {index}"
        return cell

    def output(self, outs, msg, display_id, cell_index):
        # Huge prints and plots are cut; results and errors always stay, since they decide the score.
        if msg["msg_type"] in ("stream", "display_data", "update_display_data"):
            size = self._sizes.get(cell_index, 0) + len(json.dumps(msg["content"]))
            self._sizes[cell_index] = size
            if size > MAX_OUTPUT_BYTES:
                note = f"output of cell {cell_index} cut at {MAX_OUTPUT_BYTES // 2**20} MiB"
                if note not in self.execution.notes:
                    self.execution.notes.append(note)
                return None
        return super().output(outs, msg, display_id, cell_index)


def error_notes(nb, limits: Limits) -> list[str]:
    """Errors worth a line in the summary: a student's sys.exit(), and the process limit reached."""
    notes = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "SystemExit":
                notes.append(f"cell {index} called sys.exit()")
            elif output.get("ename") == "BlockingIOError" or "Resource temporarily unavailable" in output.get("evalue", ""):
                notes.append(f"process limit ({limits.max_processes}) reached in cell {index}")
    return list(dict.fromkeys(notes))


def without_tests(nb):
    """A copy of the notebook with its test cells emptied: the one the student's kernel may read."""
    copy = nbformat.from_dict(nb)
    for cell in copy.cells:
        if is_test_cell(cell):
            cell.source, cell.outputs = "", []
    return copy


def not_run(cell, reason: str):
    """An error output, so that nbgrader scores an unexecuted graded cell 0, not full marks."""
    cell.setdefault("outputs", []).insert(0, nbformat.v4.new_output(
        "error", ename="NotRun", evalue=reason, traceback=[f"NotRun: {reason}"]))
    return cell


class Watchdog(threading.Thread):
    """Kills the kernel at the submission's deadline, or when it outgrows its memory (polling mode)."""

    def __init__(self, sandbox: Sandbox, km: KernelManager, deadline: float):
        super().__init__(daemon=True)
        self.sandbox, self.km, self.deadline = sandbox, km, deadline
        self.fired = ""
        self.finished = threading.Event()

    def run(self) -> None:
        pid = self.km.provisioner.process.pid
        while not self.finished.wait(0.25):
            if time.monotonic() > self.deadline:
                self._kill("time")
            elif self.sandbox.polls_memory and process_tree_rss(pid) > self.sandbox.limits.memory_bytes:
                self._kill("memory")

    def _kill(self, why: str) -> None:
        self.fired = why
        self.sandbox.kill_all()
        try:
            self.km.provisioner.process.kill()
        except Exception:  # already gone
            pass
        self.finished.set()


def describe_stop(execution: Execution, watchdog: Watchdog, sandbox: Sandbox, oom_before: int,
                  exit_code: int | None) -> None:
    if not execution.stopped:
        return
    where = execution.stopped.rsplit(" ", 1)[-1]
    limits = sandbox.limits
    if watchdog.fired == "time":
        execution.stopped = f"submission time limit ({limits.submission_timeout:g} s) reached in cell {where}"
    elif watchdog.fired == "memory" or sandbox.memory_exceeded(oom_before):
        execution.stopped = f"memory limit ({limits.memory_bytes / 2**30:g} GiB) exceeded in cell {where}"
    elif exit_code is not None:
        execution.stopped += f" (exit code {exit_code}: os._exit, a crash or a signal)"


def execute(job: dict, sandbox: Sandbox, km: SandboxedKernelManager) -> Execution:
    """Run the job's notebook in the warm kernel; write the executed notebook to job["output"]."""
    execution = Execution()
    workdir = sandbox.workdir
    nb = nbformat.read(Path(job["files"]) / job["notebook"], as_version=nbformat.NO_CONVERT)
    use_language(notebook_language(nb))  # results shown in the notebook's language (kept in English too)
    for item in Path(job["files"]).iterdir():  # the assignment's other files, and the notebook without tests
        if item.name == job["notebook"]:
            nbformat.write(without_tests(nb), workdir / item.name)
        elif item.is_dir():
            shutil.copytree(item, workdir / item.name)
        else:
            shutil.copy2(item, workdir / item.name)
        sandbox.give(workdir / item.name)
    started = time.monotonic()
    deadline = started + sandbox.limits.submission_timeout
    oom_before = sandbox.oom_kills()
    watchdog = Watchdog(sandbox, km, deadline)
    watchdog.start()
    executor = LimitedExecute(deadline, execution, timeout=int(sandbox.limits.cell_timeout),
                              kernel_name=km.kernel_name)
    try:
        executor.preprocess(nb, {"metadata": {"path": str(workdir)}}, km=km)
    except Exception as error:  # the kernel hung past an interrupt, or died while starting a cell
        execution.stopped = execution.stopped or f"execution stopped ({type(error).__name__}: {error}) in cell ?"
        for cell in nb.cells:
            if cell.cell_type == "code" and not cell.get("outputs"):
                not_run(cell, execution.stopped)
    finally:
        watchdog.finished.set()
    process = km.provisioner.process if km.provisioner else None
    exit_code = process.poll() if process is not None else None
    describe_stop(execution, watchdog, sandbox, oom_before, exit_code)
    execution.notes += error_notes(nb, sandbox.limits)
    execution.seconds = round(time.monotonic() - started, 2)
    nbformat.write(nb, job["output"])
    return execution


def shutdown(km: KernelManager, sandbox: Sandbox) -> None:
    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:
        pass
    sandbox.kill_all()


def judge_environment(threads: int) -> None:
    """The slot's share of the cores, TensorFlow's quiet log and JAX's compiler level, for the judge and its
    kernels."""
    if threads:
        os.environ.update(OMP_NUM_THREADS=str(threads), TF_NUM_INTRAOP_THREADS=str(threads),
                          TF_NUM_INTEROP_THREADS=str(max(2, threads)))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get("KERAS_BACKEND") == "jax":
        os.environ.setdefault("XLA_FLAGS", JAX_XLA_FLAGS)


def start_judge() -> None:
    """Keras for the judge, imported once per worker, quietly."""
    from ..testcell import no_output

    with no_output():
        import keras  # noqa: F401

        import autograder.checks  # noqa: F401 - what test cells use, imported before the first one
        import autograder.exercises  # noqa: F401


def say(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class KernelSource:
    """Where the slot's next kernel comes from: the fork server while it works, else a cold start."""

    def __init__(self, sandbox: Sandbox, kernel_name: str, threads: int, fork: bool = True):
        self.sandbox, self.kernel_name, self.threads = sandbox, kernel_name, threads
        self.server: ForkServer | None = None
        argv = KernelManager(kernel_name=kernel_name).kernel_spec.argv
        self.fork, self.python = fork and forkable(argv), argv[0]
        self.failures, self.last_failure = 0, ""

    def start(self) -> SandboxedKernelManager:
        server = self._server()
        try:
            return start_warm_kernel(self.sandbox, self.kernel_name, self.threads, server)
        except (ForkServerError, RuntimeError, TimeoutError) as error:
            if server is None:
                raise
            self._give_up_on(server, error)  # this submission gets a cold kernel; the next, a new server
            return start_warm_kernel(self.sandbox, self.kernel_name, self.threads)

    def prestart(self) -> None:
        """Start the fork server without waiting for it: its imports and the judge's run side by side."""
        self._server(wait=False)

    def _server(self, wait: bool = True) -> ForkServer | None:
        if self.server and self.server.alive():
            if wait and not self.server.ready:
                try:
                    self.server.wait_ready()
                except ForkServerError as error:
                    self._give_up_on(self.server, error)
                    return None
            return self.server
        if self.server:  # a submission killed or stopped it: start another (not a failure of ours)
            self._give_up_on(self.server, "it stopped", failed=False)
        if not self.fork or self.failures >= 3:  # it cannot work here: stop trying
            return None
        env = kernel_env(self.sandbox, self.threads)
        try:
            self.server = ForkServer(self.sandbox, self.python, env, kernel_log(self.sandbox), wait=wait)
        except (ForkServerError, OSError) as error:
            self._give_up_on(None, error)
            return None
        self.sandbox.spared = {self.server.pid}
        return self.server

    def _give_up_on(self, server: ForkServer | None, why, failed: bool = True) -> None:
        self.failures, self.last_failure = self.failures + failed, str(why)
        with open(kernel_log(self.sandbox), "a") as log:
            log.write(f"kernel fork server: {why}; cold kernels until a new one starts\n")
        if server:
            server.close()
        self.server, self.sandbox.spared = None, set()

    def close(self) -> None:
        if self.server:
            self.server.close()
        self.sandbox.spared = set()


def serve(sandbox: Sandbox, kernel_name: str, threads: int, fork: bool = True) -> None:
    """ready -> job -> done, one warm kernel per job, until the grader closes stdin."""
    judge_environment(threads)
    kernels = KernelSource(sandbox, kernel_name, threads, fork)
    try:
        kernels.prestart()
        start_judge()
        _serve(sandbox, kernels)
    finally:
        kernels.close()


def _serve(sandbox: Sandbox, kernels: KernelSource) -> None:
    while True:
        try:
            km = kernels.start()
        except Exception as error:
            last = kernel_log(sandbox).read_text(errors="replace").strip().splitlines()[-1:]
            say({"event": "broken", "reason": f"could not start a sandboxed kernel: {error} {' '.join(last)}"})
            return
        say({"event": "ready"})
        line = sys.stdin.readline()
        if not line:
            shutdown(km, sandbox)
            return
        job = json.loads(line)
        try:
            execution = execute(job, sandbox, km)
            say({"event": "done", "job": job["id"], **asdict(execution)})
        except Exception as error:
            say({"event": "failed", "job": job["id"], "reason": f"{type(error).__name__}: {error}"})
        finally:
            shutdown(km, sandbox)


def main(argv: list[str] | None = None) -> None:
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` shows where a stuck worker waits
    parser = argparse.ArgumentParser(prog="python -m autograder.grading.worker")
    parser.add_argument("--settings", required=True, help="JSON: slot, limits, mode, hidden, top, kernel")
    settings = json.loads(parser.parse_args(argv).settings)
    sandbox = Sandbox(settings["slot"], Limits(**settings["limits"]), Mode(settings["mode"]),
                      [Path(p) for p in settings["hidden"]], Path(settings["top"]))
    profile_to = os.environ.get("KERAS_COURSE_PROFILE")  # a folder: where the judge's time goes, for developers
    if not profile_to:
        serve(sandbox, settings["kernel"], settings["threads"], settings.get("fork", True))
        return
    import cProfile

    with cProfile.Profile() as profile:
        try:
            serve(sandbox, settings["kernel"], settings["threads"], settings.get("fork", True))
        finally:
            profile.dump_stats(Path(profile_to) / f"worker-{settings['slot']}-{os.getpid()}.prof")


if __name__ == "__main__":
    main()
