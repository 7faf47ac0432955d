"""Load on the local hub: N students log in at the same moment and each gets a server.

    .venv/bin/python benchmarks/hub_load.py [--users 20] [--timeout 180]

Starts a hub of the local profile on a free port (a private copy of the course, accounts
loadstudent01..N; as root these become system users, as the local profile makes them), lets every
student post the login form at once (the login starts their server, as in a browser), and prints
p50 and p95 of the seconds from the login until the hub reports the server ready, and every
failure. Goal on 2 cores: no failures, p95 under 30 s. Everything it started is stopped at the end;
its folder (with the hub's log) is kept only when something failed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from autograder.course import load_course  # noqa: E402
from autograder.hub import HubSettings, LocalHub, free_port_block, prepare_local_hub  # noqa: E402
from autograder.hub_client import HubError, HubUser  # noqa: E402
from conftest import copy_course  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def start_one(hub_url: str, name: str, password: str, start_line: threading.Barrier, timeout: float):
    """Log in when everyone is ready; seconds until the server is ready, or the error."""
    student = HubUser(hub_url, name, password)
    start_line.wait()
    began = time.monotonic()
    try:
        student.login()
        if not student.logged_in:
            return name, None, "login refused"
        student.start_server(timeout=timeout)  # the login already asked for it: this waits
        return name, time.monotonic() - began, None
    except (HubError, OSError) as error:
        return name, None, str(error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=180, help="seconds a server may take (default 180)")
    args = parser.parse_args()

    top = Path(tempfile.mkdtemp(prefix="keras-course-hub-load-"))
    top.chmod(0o755)  # users' servers reach their homes under it
    students = [f"loadstudent{i:02d}" for i in range(1, args.users + 1)]
    settings = HubSettings.from_env({
        "HUB_PORT": str(free_port_block()),
        "KERAS_COURSE_HUB_DIR": str(top / "hub"),
        "KERAS_COURSE_ROOT": str(copy_course(top)),
        "KERAS_COURSE_STUDENTS": ",".join(students),
    })
    print(f"preparing a hub for {args.users} students in {top} ...", flush=True)
    first_chapter = load_course(settings.course_root).chapters[0].id  # one is enough to log in to
    _, accounts = prepare_local_hub(settings, [first_chapter])
    hub = LocalHub(settings)
    hub.start()
    try:
        hub.wait_ready()
        print(f"hub ready at {hub.url}; {args.users} logins at once ...", flush=True)
        start_line = threading.Barrier(args.users)
        with ThreadPoolExecutor(args.users) as pool:
            results = list(pool.map(lambda n: start_one(hub.url, n, accounts[n], start_line, args.timeout),
                                    students))
    finally:
        hub.stop()
    ready = [seconds for _, seconds, _ in results if seconds is not None]
    failures = [(name, error) for name, _, error in results if error]
    print(f"servers ready: {len(ready)}/{args.users}")
    if ready:
        print(f"seconds to ready: p50 {percentile(ready, 0.5):.1f}, p95 {percentile(ready, 0.95):.1f}, "
              f"max {max(ready):.1f}")
    print(f"failures: {len(failures)}")
    for name, error in failures:
        print(f"  {name}: {error}")
    if failures:
        print(f"the hub's log: {hub.log_path}")
        return 1
    shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
