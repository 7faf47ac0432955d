"""Warm kernels by fork: a process inside the sandbox that imports TensorFlow once and forks kernels.

Every notebook starts the same way: a Python process, ipykernel, then numpy, matplotlib,
TensorFlow and Keras, about half of what a short notebook costs. A grading slot starts one fork
server (``python -m autograder.grading.kernel_forkserver``, inside the slot's sandbox, as the slot's user)
that pays this once. For each submission the worker asks it for a kernel; the server forks, and
the child becomes an ordinary ipykernel (``ipykernel_launcher -f CONNECTION_FILE``) in the
submission's fresh private folder, with a fresh random state and the kernel's own environment.

Why this is safe to share between submissions:
* the server runs no student code; only its children do, each in its own session, killed after
  its submission;
* the server is not dumpable (prctl), so a child of the same user cannot ptrace it, read or write
  its memory, or open its pipes through /proc: nothing a submission does reaches the next one;
* no thread is running when the server forks (numpy's OpenBLAS pool handles fork itself), and
  TensorFlow creates its thread pools lazily, in the child;
* a child is the out-of-memory killer's first choice (oom_score_adj), never the server.
If the server dies or stops answering, the worker starts a new one, or a cold kernel meanwhile.

Protocol, JSON lines: the worker writes ``{"argv", "env", "cwd"}`` on the server's stdin; the
server says ``{"event": "ready"}`` once, ``{"event": "forked", "pid"}`` per request and
``{"event": "exited", "pid", "code"}`` when a kernel ends (the server is its parent and reaps it).
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from .sandbox import proc_stat

# What every notebook of the course imports first; a kernel forked from the server has them loaded.
WARM_MODULES = ("numpy", "matplotlib.pyplot", "keras", "tensorflow", "autograder", "autograder.checks",
                "autograder.testcell", "autograder.data")
KERNEL_MODULES = ("ipykernel_launcher", "ipykernel")  # `python -m X -f ...`: kernels we can fork
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets before any import
PR_SET_DUMPABLE = 4
OOM_SCORE_ADJ = "500"  # out of memory in the slot's cgroup: the kernel goes, not the server


def forkable(argv: list[str]) -> bool:
    """A kernel command the server can fork: ``PYTHON -m ipykernel_launcher ...`` (the usual spec)."""
    return len(argv) >= 3 and argv[1] == "-m" and argv[2] in KERNEL_MODULES


def say(message: dict) -> None:
    # One write per line: atomic on a pipe, and safe from the SIGCHLD handler too.
    os.write(1, (json.dumps(message) + "\n").encode())


def report_exits(signum=None, frame=None) -> None:
    """Reap every ended kernel and say how it ended (a Popen-style code: -N for signal N)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        say({"event": "exited", "pid": pid, "code": os.waitstatus_to_exitcode(status)})


def preload() -> None:
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # matplotlib reads it once, at import
    importlib.import_module("ipykernel.kernelapp")
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module: the notebook's own import will say so
            pass


def become_kernel(request: dict) -> None:
    """In the forked child: turn into ``python -m ipykernel_launcher ARGS`` run in request["cwd"]."""
    code = 1
    try:
        _prctl(PR_SET_DUMPABLE, 1)  # only the server is kept from its children; a kernel is a plain process
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()  # its own process group, as jupyter_client starts kernels: interrupts reach it all
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1):  # never the server's pipes; stderr stays the slot's kernel log
            os.dup2(devnull, fd)
        os.close(devnull)
        try:
            with open("/proc/self/oom_score_adj", "w") as adj:
                adj.write(OOM_SCORE_ADJ)
        except OSError:
            pass
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.path.insert(0, request["cwd"])  # as `python -m` started there would have it
        import numpy

        numpy.random.seed()  # fork copied the server's random state; Python's `random` reseeds itself
        argv = request["argv"][3:]
        sys.argv = [request["argv"][2], *argv]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)  # never back into the server's loop


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def serve() -> None:
    _prctl(PR_SET_DUMPABLE, 0)
    if sys.path and sys.path[0] == os.getcwd():  # `-m` put the server's folder first; kernels get theirs
        del sys.path[0]
    preload()
    signal.signal(signal.SIGCHLD, report_exits)
    say({"event": "ready"})
    for line in sys.stdin:
        request = json.loads(line)
        if not forkable(request["argv"]):
            say({"event": "refused", "reason": f"not an ipykernel command: {request['argv'][:3]}"})
            continue
        pid = os.fork()
        if pid == 0:
            become_kernel(request)
        say({"event": "forked", "pid": pid})
    # stdin closed: the worker is done; its kernels were killed by then


# --- the worker's end ------------------------------------------------------------------------


class ForkServerError(RuntimeError):
    """The fork server would not start or answer; the worker starts a cold kernel instead."""


class ForkedProcess:
    """A forked kernel, seen from the worker: what jupyter_client's provisioner asks of a Popen."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, server: ForkServer):
        self.pid, self.server, self.returncode = pid, server, None

    def poll(self) -> int | None:
        if self.returncode is None:
            if self.pid in self.server.exits:
                self.returncode = self.server.exits[self.pid]
            elif not _running(self.pid):  # ended; the server's report may be a moment behind
                self.returncode = self.server.exit_code(self.pid, timeout=1.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def process_state(pid: int) -> str:
    """The process state letter from /proc (R, S, T for stopped, Z for ended), "" if it is gone."""
    try:
        return proc_stat(pid)[0]
    except (OSError, IndexError):
        return ""


def _running(pid: int) -> bool:
    return process_state(pid) not in ("Z", "")


class ForkServer:
    """One slot's fork server: started inside the sandbox, asked for one kernel per submission."""

    def __init__(self, sandbox, python: str, env: dict[str, str], log: Path, timeout: float = 120.0,
                 wait: bool = True):
        # Its own home, new at every start: a child may write there, and nothing it leaves is read.
        home = sandbox.workdir.parent / f"forkserver-slot-{sandbox.slot}"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(mode=0o700)
        sandbox.give(home)
        # Its kernels work in the slot's folder, which the server's sandbox binds in at its start.
        sandbox.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        sandbox.give(sandbox.workdir)
        self.exits: dict[int, int] = {}
        self._replies: queue.Queue = queue.Queue()
        self._exited = threading.Condition()
        with open(log, "a") as stderr:
            self.process = subprocess.Popen(
                sandbox.wrap([python, "-m", "autograder.grading.kernel_forkserver"], cwd=home),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                env={**env, "HOME": str(home), "TMPDIR": str(home)})
        threading.Thread(target=self._read, daemon=True).start()
        self.ready, self.timeout = False, timeout
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Until the server has imported everything and can fork (``wait=False`` leaves it to the
        caller, who can do its own start-up meanwhile)."""
        if not self.ready:
            self._expect("ready", self.timeout)
            self.ready = True

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        """Running and not stopped (a submission may have sent it SIGSTOP)."""
        return self.process.poll() is None and process_state(self.pid) not in ("T", "t", "Z", "")

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("event") == "exited":
                with self._exited:
                    self.exits[message["pid"]] = message["code"]
                    self._exited.notify_all()
            else:
                self._replies.put(message)
        self._replies.put({"event": "gone"})

    def _expect(self, event: str, timeout: float) -> dict:
        try:
            message = self._replies.get(timeout=timeout)
        except queue.Empty:
            message = {"event": "silent"}
        if message.get("event") != event:
            self.close()
            raise ForkServerError(f"the kernel fork server did not answer {event!r}: {message}")
        return message

    def fork(self, argv: list[str], env: dict[str, str], cwd: str, timeout: float = 30.0) -> ForkedProcess:
        if not self.alive():
            raise ForkServerError("the kernel fork server has stopped")
        try:
            self.process.stdin.write((json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n").encode())
            self.process.stdin.flush()
        except OSError as error:
            self.close()
            raise ForkServerError(f"the kernel fork server is gone ({error})") from None
        return ForkedProcess(self._expect("forked", timeout)["pid"], self)

    def exit_code(self, pid: int, timeout: float) -> int:
        with self._exited:
            self._exited.wait_for(lambda: pid in self.exits or not self.alive(), timeout)
            return self.exits.get(pid, -signal.SIGKILL)  # unknown: its parent is gone too

    def close(self) -> None:
        if self.process.poll() is None:  # stopped ones too: SIGKILL ends a stopped process
            self.process.kill()
        self.process.wait()


if __name__ == "__main__":
    serve()
