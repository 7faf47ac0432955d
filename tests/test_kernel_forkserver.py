"""Warm kernels forked from a slot's fork server (autograder/grading/kernel_forkserver.py), and what happens
when the server cannot start, is killed or is stopped: the worker always gets a working kernel."""

import asyncio
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grading.grade import claim_slots
from autograder.grading.worker import ForkedKernelManager, KernelSource, SandboxedKernelManager, shutdown
from autograder.grading.kernel_forkserver import process_state, forkable
from autograder.grading.sandbox import Limits, Mode, Sandbox, detect_mode

pytestmark = pytest.mark.slow  # each server imports TensorFlow once (a few seconds)

PROBE = """
import json, os, sys
import numpy as np
import matplotlib.pyplot as plt
plt.plot([0, 1])
plt.show()
print(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "path": sys.path[:2],
                  "session": os.getsid(0), "home": os.environ["HOME"], "random": float(np.random.rand()),
                  "backend": plt.get_backend(), "oom_score_adj": open("/proc/self/oom_score_adj").read().strip()}))
"""


@pytest.fixture
def source(request):
    locks = claim_slots(1)
    top = Path(tempfile.mkdtemp(prefix="keras-course-grade-"))  # as grade.py: slot users pass through /tmp
    top.chmod(0o711)
    (top / "executed").mkdir()
    mode = getattr(request, "param", None) or detect_mode()
    sandbox = Sandbox(locks[0].slot, Limits(), mode, [], top)
    kernels = KernelSource(sandbox, "python3", threads=1)
    yield kernels
    kernels.close()
    sandbox.kill_all()
    shutil.rmtree(top, ignore_errors=True)
    locks[0].close()


def run_code(km, code: str) -> tuple[dict, list[str]]:
    """The probe's JSON line, and the MIME types of everything the cell displayed."""
    async def run():
        client = km.client()
        client.start_channels()
        outputs = []
        try:
            await client.wait_for_ready(timeout=60)
            await client.execute_interactive(code, timeout=60, output_hook=outputs.append)
        finally:
            client.stop_channels()
        return outputs

    outputs = asyncio.run(run())
    text = "".join(o["content"].get("text", "") for o in outputs if o["msg_type"] == "stream")
    shown = [mime for o in outputs if o["msg_type"] == "display_data" for mime in o["content"]["data"]]
    errors = [o["content"] for o in outputs if o["msg_type"] == "error"]
    assert not errors, errors
    return json.loads(text.strip().splitlines()[-1]), shown


def test_only_ipykernel_commands_are_forked():
    assert forkable(["/venv/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    assert forkable(["python", "-m", "ipykernel", "-f", "{connection_file}"])
    assert not forkable(["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"])
    assert not forkable(["python", "-m", "other_kernel", "-f", "{connection_file}"])


@pytest.mark.parametrize("source", [None, Mode("none")], ids=["sandboxed", "no-sandbox"], indirect=True)
def test_forked_kernels_are_fresh_processes_in_the_submission_folder(source):
    seen = []
    for _ in range(2):
        km = source.start()
        try:
            assert isinstance(km, ForkedKernelManager)
            probe, shown = run_code(km, PROBE)
        finally:
            shutdown(km, source.sandbox)
        seen.append(probe)
        server = source.server.pid
        assert probe["ppid"] == server and probe["pid"] == km.provisioner.pid  # forked, as the worker knows it
        assert probe["session"] == probe["pid"]  # its own session: an interrupt reaches all it started
        workdir = str(source.sandbox.workdir)
        assert probe["cwd"] == probe["home"] == workdir and workdir in probe["path"]  # as a cold kernel
        assert "inline" in probe["backend"] and "image/png" in shown  # plots still show in the notebook
        assert probe["oom_score_adj"] == "500"  # out of memory, the kernel goes first, not the server
    assert seen[0]["pid"] != seen[1]["pid"]
    assert seen[0]["random"] != seen[1]["random"]  # numpy's random state is not the server's copy
    assert not Path(f"/proc/{seen[0]['pid']}").exists()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGSTOP])
def test_a_killed_or_stopped_fork_server_is_replaced(source, how):
    shutdown(source.start(), source.sandbox)
    first = source.server.pid
    os.kill(first, how)
    time.sleep(0.2)
    km = source.start()
    try:
        assert isinstance(km, ForkedKernelManager) and source.server.pid != first
        probe, _ = run_code(km, PROBE)
        assert probe["ppid"] == source.server.pid
    finally:
        shutdown(km, source.sandbox)
    assert process_state(first) in ("", "Z")  # the old server is gone


def test_a_fork_server_that_cannot_start_leaves_cold_kernels(source):
    source.python = "/nonexistent/python"
    km = source.start()
    try:
        assert type(km) is SandboxedKernelManager and source.server is None
        probe, _ = run_code(km, PROBE)
        assert probe["cwd"] == str(source.sandbox.workdir)
    finally:
        shutdown(km, source.sandbox)
    assert source.failures == 1 and "did not answer 'ready'" in source.last_failure

