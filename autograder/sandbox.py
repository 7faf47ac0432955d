"""The sandbox one submission's kernel runs in: its own user, no network, hidden course files, limits.

A ``Sandbox`` is one grading slot. Before each submission it gets a fresh private folder (0700,
owned by the slot's user); ``wrap()`` turns a kernel command line into one that enters the sandbox
first (``python -m autograder.sandbox ... -- KERNEL COMMAND``), and ``kill_all()`` ends whatever
the submission left running. Three modes, the strongest this machine allows (see ``detect_mode``):

* ``user`` (grader runs as root): a dedicated user per slot (``kc-grade-<n>``, created once with
  useradd), new network and mount namespaces, tmpfs over the course, source, exchange and
  gradebook paths, RLIMIT_NPROC per user, and a memory cgroup (v1 or v2) as memory cap.
* ``userns`` (not root, unprivileged user namespaces allowed): the same namespaces and hidden
  paths, but the kernel keeps the grader's uid; memory is watched by polling.
* ``none``: only the time, memory (polling) and file-size limits. ``keras-course grade`` warns.

The kernel talks to the grader over Unix sockets in the private folder (ZMQ ``ipc``), which work
across network namespaces where TCP to 127.0.0.1 would not.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

USER_PREFIX = "kc-grade-"
CGROUP_NAME = "keras-course-grade"
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 0x1000, 0x4000, 1 << 18


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Time limits are wall-clock seconds."""

    cell_timeout: float = 600.0
    submission_timeout: float = 1800.0
    memory_bytes: int = 8 * 2**30  # the chapter 5 solution peaks near 5 GiB (three VGG16s)
    max_processes: int = 512  # tasks, threads included: TensorFlow alone starts dozens
    max_file_bytes: int = 2**30


@dataclass(frozen=True)
class Mode:
    name: str  # "user", "userns" or "none"
    warning: str = ""  # what is missing, for the instructor


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _userns_works() -> bool:
    try:
        return subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def detect_mode(requested: str = "auto") -> Mode:
    """The strongest sandbox available: ``user`` as root, else ``userns``, else ``none``."""
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if requested in ("auto", "user") and is_root and shutil.which("useradd"):
        return Mode("user")
    if requested in ("auto", "userns") and sys.platform == "linux" and _userns_works():
        return Mode("userns", "" if not is_root else "useradd is missing: kernels keep the grader's uid")
    return Mode("none", "no sandbox: run as root or allow unprivileged user namespaces to isolate "
                        "submissions; grading goes on with time and memory limits only")


def ensure_user(name: str) -> pwd.struct_passwd:
    """The slot's unprivileged user, created once (idempotent, safe to run again)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--user-group",
                        "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
        return pwd.getpwnam(name)


class MemoryCgroup:
    """A memory cgroup (v1 ``memory.limit_in_bytes`` or v2 ``memory.max``) for one slot, if writable."""

    def __init__(self, path: Path, version: int):
        self.path, self.version = path, version

    @classmethod
    def create(cls, slot: int, limit: int) -> MemoryCgroup | None:
        for version, base in ((1, Path("/sys/fs/cgroup/memory")), (2, _cgroup2_base())):
            if base is None or not base.is_dir():
                continue
            path = base / CGROUP_NAME / f"slot-{slot}"
            try:
                path.mkdir(parents=True, exist_ok=True)
                if version == 2:
                    (path.parent / "cgroup.subtree_control").write_text("+memory")
                cgroup = cls(path, version)
                cgroup.set_limit(limit)
                return cgroup
            except OSError:
                continue
        return None

    def set_limit(self, limit: int) -> None:
        name = "memory.limit_in_bytes" if self.version == 1 else "memory.max"
        (self.path / name).write_text(str(limit))
        if self.version == 2 and (self.path / "memory.swap.max").exists():
            (self.path / "memory.swap.max").write_text("0")

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def oom_kills(self) -> int:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            for line in (self.path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except OSError:
            pass
        return 0


def _cgroup2_base() -> Path | None:
    """Our own cgroup v2 folder, where a child cgroup may be made (needs delegation or root)."""
    try:
        line = next(l for l in Path("/proc/self/cgroup").read_text().splitlines() if l.startswith("0::"))
    except (OSError, StopIteration):
        return None
    for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        if (mount / "cgroup.controllers").exists():
            return mount / line[3:].lstrip("/")
    return None


def proc_stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state first); OSError if it is gone."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()  # the name itself may hold ")" or spaces


def process_tree_rss(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = proc_stat(entry.name)
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * resource.getpagesize()
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def pids_of_user(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class Sandbox:
    """One grading slot: a private folder, a user, limits; reused, but wiped between submissions."""

    def __init__(self, slot: int, limits: Limits, mode: Mode, hidden: list[Path], top: Path):
        self.slot, self.limits, self.mode, self.hidden = slot, limits, mode, hidden
        self.user = ensure_user(f"{USER_PREFIX}{slot}") if mode.name == "user" else None
        self.cgroup = MemoryCgroup.create(slot, limits.memory_bytes) if mode.name == "user" else None
        self.workdir = top / f"slot-{slot}"
        self.spared: set[int] = set()  # the slot's kernel fork server, which outlives submissions

    @property
    def uid(self) -> int:
        return self.user.pw_uid if self.user else os.getuid()

    @property
    def polls_memory(self) -> bool:
        return self.cgroup is None

    def fresh_workdir(self) -> Path:
        """An empty private folder for the next submission: 0700, owned by the slot's user."""
        self.kill_all()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(mode=0o700, parents=True)
        self.give(self.workdir)
        return self.workdir

    def give(self, path: Path) -> None:
        """Hand a file or folder in the private folder over to the slot's user."""
        if self.user:
            for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
                os.chown(item, self.user.pw_uid, self.user.pw_gid, follow_symlinks=False)

    def wrap(self, command: list[str], cwd: Path | None = None) -> list[str]:
        """The command line that enters this sandbox, then runs ``command`` in ``cwd`` (default: the private folder)."""
        entry = [sys.executable, "-m", "autograder.sandbox", "--mode", self.mode.name,
                 "--cwd", str(cwd or self.workdir), "--nproc", str(self.limits.max_processes),
                 "--fsize", str(self.limits.max_file_bytes)]
        if self.user:
            entry += ["--uid", str(self.user.pw_uid), "--gid", str(self.user.pw_gid)]
        if self.cgroup:
            entry += ["--cgroup", str(self.cgroup.path)]
        for path in self.hidden:
            entry += ["--hide", str(path)]
        if self.mode.name == "user":
            entry += ["--expose", str(Path(sys.base_prefix).resolve()),
                      "--scratch", str(self.workdir.parent / f"mnt-slot-{self.slot}")]
        return [*entry, "--", *command]

    def memory_exceeded(self, since_oom_kills: int) -> bool:
        return bool(self.cgroup) and self.cgroup.oom_kills() > since_oom_kills

    def oom_kills(self) -> int:
        return self.cgroup.oom_kills() if self.cgroup else 0

    def kill_all(self) -> None:
        """SIGKILL every process the last submission left: by cgroup, and by the slot's own uid (not ``spared``)."""
        pids = set(self.cgroup.pids() if self.cgroup else [])
        if self.user:
            pids.update(pids_of_user(self.user.pw_uid))
        for pid in pids - self.spared:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def hidden_paths(course_root: Path, source: Path, exchange: Path | None, db_file: Path | None,
                 workdir_top: Path) -> list[Path]:
    """What a kernel must not read: the course (gradebook, submissions), source/, the exchange."""
    paths = [course_root, source, *(p for p in (exchange, db_file) if p)]
    # Never hide the folder the kernels work in, nor the Python they run on.
    keep = [workdir_top.resolve(), Path(sys.prefix).resolve(), Path(__file__).resolve().parent]
    result = []
    for path in (p.resolve() for p in paths):
        if path.exists() and not any(k == path or k.is_relative_to(path) for k in keep):
            result.append(path)
    return sorted(set(result))


# --- inside the sandbox: run as ``python -m autograder.sandbox ... -- COMMAND`` -------------


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _hide(paths: list[str]) -> None:
    libc = _libc()
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    for path in paths:
        target = path.encode()
        if os.path.isdir(path):
            _check(libc.mount(b"tmpfs", target, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
                              b"size=4k,mode=000"), f"hide {path}")
        elif os.path.exists(path):  # a file (an SQLite gradebook elsewhere): cover it with /dev/null
            _check(libc.mount(b"/dev/null", target, None, MS_BIND, None), f"hide {path}")


def _first_closed_ancestor(path: Path) -> Path | None:
    """The outermost folder on the way to ``path`` that other users may not pass through."""
    for folder in [*reversed(path.parents), path]:
        if folder.is_dir() and not folder.stat().st_mode & 0o001:
            return folder
    return None


def _expose(path: str, scratch: str) -> None:
    """Make ``path`` (the Python installation) reachable for the slot's user in this mount namespace.

    Python may live under a home folder others cannot enter (pyenv in /root). That folder gets an
    empty tmpfs on top, hiding the rest of it, and only ``path`` is bound back into place.
    """
    target = Path(path)
    closed = _first_closed_ancestor(target)
    if closed is None:
        return
    libc = _libc()
    os.makedirs(scratch, exist_ok=True)
    _check(libc.mount(path.encode(), scratch.encode(), None, MS_BIND | MS_REC, None), f"bind {path}")
    _check(libc.mount(b"tmpfs", str(closed).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=755"),
           f"cover {closed}")
    target.mkdir(parents=True, exist_ok=True)
    _check(libc.mount(scratch.encode(), path.encode(), None, MS_BIND | MS_REC, None), f"bind back {path}")
    libc.umount2(scratch.encode(), 2)  # MNT_DETACH


def _enter_namespaces(mode: str) -> None:
    libc = _libc()
    if mode == "user":
        _check(libc.unshare(CLONE_NEWNET | CLONE_NEWNS), "unshare")
    elif mode == "userns":
        uid, gid = os.getuid(), os.getgid()
        _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS), "unshare")
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def _process_limit(nproc: int, uid: int) -> int:
    # RLIMIT_NPROC counts every task of the real uid; a shared uid (userns, none) has others.
    return nproc if os.getuid() == 0 else nproc + len(pids_of_user(uid))


def enter(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.sandbox")
    parser.add_argument("--mode", choices=("user", "userns", "none"), required=True)
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--nproc", type=int, required=True)
    parser.add_argument("--fsize", type=int, required=True)
    parser.add_argument("--uid", type=int)
    parser.add_argument("--gid", type=int)
    parser.add_argument("--cgroup")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--expose", help="the Python installation, bound back if its parents are closed")
    parser.add_argument("--scratch", help="an empty folder for --expose to mount through")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)

    if args.cgroup:  # join before anything else, so that every descendant is counted
        Path(args.cgroup, "cgroup.procs").write_text(str(os.getpid()))
    if args.mode != "none":
        _enter_namespaces(args.mode)
        _hide(args.hide)
        if args.expose and args.uid is not None:
            _expose(args.expose, args.scratch)
    uid = args.uid if args.uid is not None else os.getuid()
    nproc = _process_limit(args.nproc, uid)
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    resource.setrlimit(resource.RLIMIT_FSIZE, (args.fsize, args.fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if args.uid is not None:
        os.setgroups([])
        os.setgid(args.gid)
        os.setuid(args.uid)
    os.chdir(args.cwd)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    enter()
