"""The sandbox's allowlist: a kernel sees the Python installation, its own folder and a private
/tmp, and nothing else of the machine (no home folders, no /tmp of the machine, no checkout)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from autograder.grading.sandbox import Limits, Mode, Sandbox, detect_mode, readable_paths

REPO = Path(__file__).resolve().parent.parent
MODE = detect_mode()

LOOK = """
import json, os, sys
def seen(path):
    try:
        return sorted(os.listdir(path))
    except OSError as error:
        return type(error).__name__
import keras  # the installation works as it is
print(json.dumps({"root": seen("/"), "tmp": seen("/tmp"), "home": seen(os.path.expanduser("~")),
                  "checkout": seen(sys.argv[1]), "source": seen(sys.argv[2]), "decoy": os.path.exists(sys.argv[3]),
                  "autograder": os.path.isfile(sys.argv[4]), "helpers": os.path.exists(sys.argv[5]),
                  "cwd": os.getcwd()}))
"""


def test_readable_paths_hold_python_and_the_package_but_not_the_checkout():
    readable = readable_paths()
    assert Path(sys.prefix).resolve() in readable or any(Path(sys.prefix).resolve().is_relative_to(p) for p in readable)
    assert (REPO / "autograder") in readable
    for private in (REPO, REPO / "source", REPO / "course", Path("/tmp"), Path("/home"), Path.home()):
        assert private not in readable, private
    assert not any(p == Path("/") for p in readable)


def test_a_sandboxed_command_works_in_the_grading_folder_only(tmp_path):
    box = Sandbox(0, Limits(), Mode("userns"), [], tmp_path)
    command = box.wrap(["true"])
    assert command[command.index("--root") + 1] == str(tmp_path / "root-slot-0")
    assert ["--write", str(tmp_path / "slot-0")] == command[command.index("--write"):command.index("--write") + 2]
    with pytest.raises(ValueError, match="grading folder"):
        box.wrap(["true"], cwd=Path("/"))


@pytest.mark.skipif(MODE.name == "none", reason="no namespaces on this machine (keras-course grade warns)")
def test_the_kernel_sees_only_the_allowlist(tmp_path):
    decoy = Path("/tmp") / f"kc-decoy-{uuid.uuid4().hex[:8]}.ipynb"
    decoy.write_text("### BEGIN HIDDEN TESTS")
    os.chmod(decoy, 0o644)
    top = tmp_path / "grading"
    top.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(top, 0o711)
    box = Sandbox(0, Limits(), MODE, [], top)
    try:
        box.fresh_workdir()
        command = box.wrap([sys.executable, "-c", LOOK, str(REPO), str(REPO / "source"), str(decoy),
                            str(REPO / "autograder" / "probes.py"),
                            str(REPO / "autograder" / "grading" / "hidden" / "ch01_setup.py")])
        done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(box.workdir), "TF_CPP_MIN_LOG_LEVEL": "3"})
    finally:
        decoy.unlink()
        box.kill_all()
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # the private /tmp holds the way to the kernel's own folder and to the readable checkout (when
    # the checkout itself lies under /tmp, as a CI clone may), nothing else
    ways = [box.workdir, *(r for r in readable_paths() if r.is_relative_to("/tmp"))]
    assert all(any(way.is_relative_to(Path("/tmp") / name) for way in ways) for name in seen["tmp"]), seen["tmp"]
    assert not seen["decoy"] and seen["autograder"]
    assert not seen["helpers"]  # the hidden tests' helpers are the grader's alone
    assert seen["checkout"] == sorted(p for p in ("autograder", ".venv") if (REPO / p).exists()
                                      and any(r == REPO / p or r.is_relative_to(REPO / p) for r in readable_paths()))
    assert seen["source"] == "FileNotFoundError"
    assert "home" not in seen["root"] and "srv" not in seen["root"]
    assert seen["cwd"] == str(box.workdir)


@pytest.mark.skipif(MODE.name == "none", reason="no namespaces on this machine (keras-course grade warns)")
def test_where_pivot_root_is_refused_the_kernel_is_chrooted_into_the_same_allowlist(tmp_path):
    top = tmp_path / "grading"
    top.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(top, 0o711)
    box = Sandbox(0, Limits(), MODE, [], top)
    box.fresh_workdir()
    command = box.wrap([sys.executable, "-c", "import os; print(sorted(os.listdir('/')))"])
    start = command.index("-m")  # the entry with pivot_root made to fail, as on an initramfs root
    command = [command[0], "-c", "import sys, autograder.grading.sandbox as s; s.PIVOT_ROOT = -1; "
               "s.enter(sys.argv[1:])", *command[start + 2:]]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        box.kill_all()
    assert done.returncode == 0, done.stderr[-2000:]
    root = done.stdout.strip()
    assert "'usr'" in root and "'home'" not in root and "'srv'" not in root
