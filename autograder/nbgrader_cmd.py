"""Run nbgrader's own commands on the course, as an instructor would type them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(Exception):
    """An nbgrader command failed; the message carries the end of its log."""


def environment_with_tools() -> dict[str, str]:
    """This environment, with this interpreter's bin folder (nbgrader, alembic) first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_nbgrader(course_root: Path, *args: str, quiet: bool = True) -> str:
    """``nbgrader ARGS`` in the course root, with this Python's environment.

    nbgrader runs ``alembic`` as a program when it creates the gradebook, so this
    interpreter's bin folder goes first on PATH even when the venv is not activated.
    """
    env = environment_with_tools()
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_root, env=env,
                          capture_output=True, text=True)
    log = done.stdout + done.stderr
    if done.returncode != 0:
        tail = "\n".join(log.strip().splitlines()[-25:])
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {done.returncode}):\n{tail}")
    if not quiet:
        print(log, end="")
    return log
