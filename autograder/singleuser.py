"""A user's server in the course's hub: jupyterhub-singleuser, minus one Node.js call per start,
in the user's language.

    python -m autograder.singleuser [jupyterhub-singleuser's options]

Importing JupyterLab runs ``node yarn.js config --json`` when Node.js is on PATH, to learn the
npm registry that only extension builds use. That is 0.6 CPU-s of a server start's 3 (measured
with benchmarks/hub_load.py), and a class starts twenty servers at once. Students never build
extensions, so JupyterLab is imported with the folders that hold Node.js left out of PATH; PATH is
whole again before the server starts, so terminals and kernels see every program.

Before it starts, JupyterLab's language is set from KERAS_COURSE_LANG where the user has chosen
none (user_language.py): the server runs as the user, so the setting is theirs to change.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

NODE_NAMES = ("node", "nodejs")


def without_node(path: str) -> str:
    """PATH without the folders that hold a node (or nodejs) program."""
    folders = path.split(os.pathsep)
    return os.pathsep.join(f for f in folders if not any((Path(f) / name).exists() for name in NODE_NAMES))


def import_jupyterlab_without_node() -> None:
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = without_node(path)
    try:
        import jupyterlab.labapp  # noqa: F401 - its import is what would start node
    finally:
        os.environ["PATH"] = path


def main() -> None:
    from .user_language import apply_at_server_start

    apply_at_server_start()
    import_jupyterlab_without_node()
    from jupyterhub.singleuser import main as singleuser

    sys.exit(singleuser())


if __name__ == "__main__":
    main()
