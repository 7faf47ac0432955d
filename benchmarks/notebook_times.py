"""How long each instructor notebook takes to run top to bottom, against its budget.

    .venv/bin/python benchmarks/notebook_times.py [--budget 30] [NOTEBOOK ...]

Runs the solution notebooks (hidden tests included) the way nbgrader's autograder does, then
prints the wall time, its ratio to the budget, and the slowest cells. Every chapter should run
in under 30 s on two CPU cores (the project's budget: a class of 40 waits on the grader).
"""

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def cell_seconds(cell) -> float:
    from datetime import datetime

    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except KeyError:
        return 0.0
    return (end - start).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per notebook (default 30)")
    parser.add_argument("--slowest", type=int, default=5, help="how many of the slowest cells to list")
    args = parser.parse_args()
    os.environ.setdefault("KERAS_COURSE_DATA", "digits")  # the offline data CI has
    if os.environ.get("KERAS_BACKEND") == "jax":  # the kernels inherit it, as when grading
        from autograder.grading.worker import JAX_XLA_FLAGS

        os.environ.setdefault("XLA_FLAGS", JAX_XLA_FLAGS)
    notebooks = args.notebooks or sorted((ROOT / "source").glob("*/*.ipynb"))
    print(f"cpu cores: {os.cpu_count()}, budget {args.budget:.0f} s per notebook")
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        started = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True, record_timing=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        total = time.perf_counter() - started
        errors = [c.get("id") for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
        print(f"{path.stem}: {total:.1f} s ({total / args.budget:.2f} of the budget)"
              + (f"; cells with errors: {errors}" if errors else ""))
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell in sorted(code, key=cell_seconds, reverse=True)[:args.slowest]:
            print(f"  {cell_seconds(cell):5.1f} s  {cell.get('id')}")


if __name__ == "__main__":
    main()
