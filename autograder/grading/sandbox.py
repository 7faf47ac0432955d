"""The sandbox one submission's kernel runs in: its own user, no network, hidden course files, limits.

A ``Sandbox`` is one grading slot. Before each submission it gets a fresh private folder (0700,
owned by the slot's user); ``wrap()`` turns a kernel command line into one that enters the sandbox
first (``python -m autograder.grading.sandbox ... -- KERNEL COMMAND``), and ``kill_all()`` ends whatever
the submission left running. Three modes, the strongest this machine allows (see ``detect_mode``):

* ``user`` (grader runs as root): a dedicated user per slot (``kc-grade-<n>``, created once with
  useradd), new network and mount namespaces, RLIMIT_NPROC per user, and a memory cgroup (v1 or
  v2) as memory cap.
* ``userns`` (not root, unprivileged user namespaces allowed): the same namespaces, but the kernel
  keeps the grader's uid; memory is watched by polling.

In both, the kernel sees an allowlist, not the machine: a new root with the system's programs and
libraries and the Python installation read-only (``readable_paths``), its own private folder, a
private /tmp, and the usual /dev, /proc and /sys. Nothing of /home, /srv, the machine's /tmp,
the course or the instructor's checkout is there (the ``autograder`` package alone is bound from
it), and the course's own paths are covered again should one sit inside a readable path.
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
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 0x1000, 0x4000, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MNT_DETACH = 1024, 2048, 1 << 21, 2
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "ppc64le": 203, "s390x": 217}.get(os.uname().machine, 155)
# What a kernel may read of the machine, besides the Python installation (readable_paths).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt/conda")
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "localtime",
               "timezone", "hosts", "host.conf", "ssl", "ca-certificates", "fonts", "alternatives", "os-release",
               "matplotlibrc", "mime.types", "locale.alias", "gai.conf")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
GPU_DEVICES = ("nvidia0", "nvidia1", "nvidia2", "nvidia3", "nvidia4", "nvidia5", "nvidia6", "nvidia7",
               "nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset", "dri")
PRIVATE_TMP_SIZE = "size=512m"
HIDDEN_HELPERS = Path(__file__).resolve().parent / "hidden"


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
        """An empty private folder for the next submission: 0700, owned by the slot's user.

        Emptied, not made again: the fork server's namespace holds this very folder bound in.
        """
        self.kill_all()
        self.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for item in list(self.workdir.iterdir()):
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink(missing_ok=True)
        os.chmod(self.workdir, 0o700)
        self.give(self.workdir)
        return self.workdir

    def give(self, path: Path) -> None:
        """Hand a file or folder in the private folder over to the slot's user."""
        if self.user:
            for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
                os.chown(item, self.user.pw_uid, self.user.pw_gid, follow_symlinks=False)

    def wrap(self, command: list[str], cwd: Path | None = None) -> list[str]:
        """The command line that enters this sandbox, then runs ``command`` in ``cwd`` (default: the private folder)."""
        entry = [sys.executable, "-m", "autograder.grading.sandbox", "--mode", self.mode.name,
                 "--cwd", str(cwd or self.workdir), "--nproc", str(self.limits.max_processes),
                 "--fsize", str(self.limits.max_file_bytes)]
        if self.user:
            entry += ["--uid", str(self.user.pw_uid), "--gid", str(self.user.pw_gid)]
        if self.cgroup:
            entry += ["--cgroup", str(self.cgroup.path)]
        for path in [*self.hidden, HIDDEN_HELPERS]:  # the hidden tests' helpers: graders only
            entry += ["--hide", str(path)]
        if self.mode.name != "none":
            if cwd and not Path(cwd).resolve().is_relative_to(self.workdir.parent.resolve()):
                raise ValueError(f"a sandboxed command works in the grading folder, not in {cwd}")
            for path in dict.fromkeys([self.workdir, cwd or self.workdir]):
                entry += ["--write", str(path)]
            for path in readable_paths():
                entry += ["--read", str(path)]
            entry += ["--root", str(self.workdir.parent / f"root-slot-{self.slot}")]
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
    keep = [workdir_top.resolve(), Path(sys.prefix).resolve(), Path(__file__).resolve().parent.parent]
    result = []
    for path in (p.resolve() for p in paths):
        if path.exists() and not any(k == path or k.is_relative_to(path) for k in keep):
            result.append(path)
    return sorted(set(result))


def readable_paths() -> list[Path]:
    """What a sandboxed kernel may read: system programs and libraries, the parts of /etc that
    they read, this Python installation (base and virtual environment), the ``autograder``
    package (an editable install would otherwise bring the whole checkout), and KERAS_HOME."""
    package = Path(__file__).resolve().parent.parent
    candidates = [Path(p) for p in SYSTEM_PATHS] + [Path("/etc") / name for name in ETC_ENTRIES]
    candidates += [Path(p) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}]
    candidates += [package, *([Path(os.environ["KERAS_HOME"])] if os.environ.get("KERAS_HOME") else [])]
    found: list[Path] = []
    for path in candidates:
        if path.is_symlink() and path.parent == Path("/"):  # /bin -> usr/bin: made again as a link
            found.append(path)
        elif path.exists():
            found.append(path.resolve() if path.is_dir() else path)
    found = list(dict.fromkeys(found))
    return [p for p in found if p.is_symlink() or not any(o != p and not o.is_symlink() and p.is_relative_to(o)
                                                         for o in found)]


# --- inside the sandbox: run as ``python -m autograder.grading.sandbox ... -- COMMAND`` -------------


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype=None, flags=0, data=None, what="mount") -> None:
    encode = lambda v: v.encode() if isinstance(v, str) else v  # noqa: E731
    _check(_libc().mount(encode(source), encode(target), encode(fstype), flags, encode(data)),
           f"{what} {target}")


def _locked_flags(path: str) -> int:
    """The flags a bind of ``path`` must keep when remounted (a user namespace may not drop them)."""
    found = os.statvfs(path).f_flag
    pairs = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
             (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (getattr(os, "ST_RELATIME", 4096), MS_RELATIME))
    return sum(flag for st, flag in pairs if found & st)


def _bind(path: str, root: str, read_only: bool) -> None:
    """``path`` at the same place under ``root`` (a link stays a link), read-only if asked."""
    source, target = Path(path), Path(root + path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink() and source.parent == Path("/"):
        target.symlink_to(os.readlink(source))
        return
    if source.is_dir():
        target.mkdir(exist_ok=True)
    else:
        target.touch(exist_ok=True)
    _mount(path, str(target), None, MS_BIND | MS_REC, what="bind")
    if read_only:
        _mount(None, str(target), None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(path), what="read-only")


def _enter_allowlist(root: str, readable: list[str], writable: list[str], hidden: list[str]) -> None:
    """Make ``root`` a new / holding only what is allowed, then move into it (pivot_root)."""
    libc = _libc()
    _mount("none", "/", None, MS_REC | MS_PRIVATE, what="make private")
    os.makedirs(root, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755", what="new root")
    os.makedirs(root + "/tmp", exist_ok=True)  # first: the private folders may lie under /tmp
    _mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"{PRIVATE_TMP_SIZE},mode=1777", what="private")
    for path in readable:
        _bind(path, root, read_only=True)
    for path in writable:
        _bind(path, root, read_only=False)
    for path in hidden:  # the course's own paths, should one sit inside a readable path
        if os.path.isdir(root + path):
            _mount("tmpfs", root + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000", what="hide")
        elif os.path.exists(root + path):
            _mount("/dev/null", root + path, None, MS_BIND, what="hide")
    os.makedirs(root + "/dev", exist_ok=True)
    _mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID, "size=64k,mode=755", what="devices")
    for name in DEVICES + GPU_DEVICES:
        if os.path.exists(f"/dev/{name}"):
            _bind(f"/dev/{name}", root, read_only=False)
    os.makedirs(root + "/dev/shm", exist_ok=True)
    _mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"{PRIVATE_TMP_SIZE},mode=1777", what="shm")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")
    _bind("/proc", root, read_only=False)
    if os.path.isdir("/sys"):
        _bind("/sys", root, read_only=True)
    os.chdir(root)
    if libc.syscall(PIVOT_ROOT, b".", b".") == 0:  # the old root now lies under the new one
        _check(libc.umount2(b".", MNT_DETACH), "detach the old root")
    else:  # a root pivot_root refuses (an initramfs): chroot, which the kernel's user cannot leave
        os.chroot(".")
    os.chdir("/")


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
    parser = argparse.ArgumentParser(prog="python -m autograder.grading.sandbox")
    parser.add_argument("--mode", choices=("user", "userns", "none"), required=True)
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--nproc", type=int, required=True)
    parser.add_argument("--fsize", type=int, required=True)
    parser.add_argument("--uid", type=int)
    parser.add_argument("--gid", type=int)
    parser.add_argument("--cgroup")
    parser.add_argument("--hide", action="append", default=[], help="covered, should it be inside a --read path")
    parser.add_argument("--read", action="append", default=[], help="bound read-only into the new root")
    parser.add_argument("--write", action="append", default=[], help="bound writable into the new root")
    parser.add_argument("--root", help="an empty folder to build the new root in")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)

    if args.cgroup:  # join before anything else, so that every descendant is counted
        Path(args.cgroup, "cgroup.procs").write_text(str(os.getpid()))
    if args.mode != "none":
        _enter_namespaces(args.mode)
        if args.root:
            _enter_allowlist(args.root, args.read, args.write, args.hide)
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
