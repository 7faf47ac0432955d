"""The course's JupyterHub: settings read from the environment, the files and accounts that the
local profile needs, and ``keras-course hub``, which prepares them and runs the hub.

hub_config/jupyterhub_config.py reads the same settings (HubSettings.from_env), so the launcher,
the hub and the tests agree on where the course, the exchange and the hub's state live.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .assign import release
from .course import Course, CourseError, load_course
from .nbgrader_cmd import run_nbgrader
from .user_language import LANGUAGES_FILE, parse_setting

REPO = Path(__file__).resolve().parent.parent
HUB_CONFIG = REPO / "hub_config" / "jupyterhub_config.py"
PROFILES = ("local", "docker", "k8s")
RUN_MARK = "KERAS_COURSE_HUB_RUN"  # environment variable that marks every process of one hub run
LOGINS = ("demo", "lti13", "oauth")

# The local profile's demo accounts: one instructor and a few students.
DEMO_INSTRUCTORS = ("instructor",)
DEMO_STUDENTS = ("student1", "student2", "student3")
DEMO_LANGUAGES = "student3=zh_CN"  # one demo student works in Chinese (user_language.py)
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing that reads as another character


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _user_languages(value: str) -> dict[str, str]:
    try:
        return parse_setting(value)
    except ValueError as error:
        raise CourseError(str(error)) from None


def _names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


@dataclass(frozen=True)
class HubSettings:
    """Everything a profile may vary, each from one environment variable (defaults in brackets).

    KERAS_COURSE_HUB       profile: local, docker or k8s [local]
    HUB_PORT               the port students open [8000]; the hub's own API, the proxy's API and
                           the formgrader take the next three ports, on 127.0.0.1
    KERAS_COURSE_ROOT      the nbgrader course root [the repository's course/]
    KERAS_COURSE_HUB_DIR   the hub's state: database, cookie secret, exchange, homes [./.hub]
    KERAS_COURSE_EXCHANGE  nbgrader's exchange [<hub dir>/exchange]
    KERAS_COURSE_LOGIN     demo, lti13 or oauth [demo]
    KERAS_COURSE_INSTRUCTORS, KERAS_COURSE_STUDENTS
                           comma-separated user names of the two groups [the demo accounts]
    KERAS_COURSE_CULL_IDLE seconds before an idle server is stopped [3600]
    KERAS_COURSE_USER_LANGUAGES
                           name=lang pairs: a user's language until they choose one [student3=zh_CN]
    """

    profile: str
    port: int
    course_root: Path
    hub_dir: Path
    exchange: Path
    login: str
    instructors: tuple[str, ...]
    students: tuple[str, ...]
    cull_idle: int
    user_languages: dict = field(default_factory=dict)  # user -> en or zh_CN (user_language.py)

    @classmethod
    def from_env(cls, environ=None) -> HubSettings:
        env = os.environ if environ is None else environ
        profile = env.get("KERAS_COURSE_HUB", "local")
        if profile not in PROFILES:
            raise CourseError(f"KERAS_COURSE_HUB={profile!r}: the profiles are {', '.join(PROFILES)}")
        login = env.get("KERAS_COURSE_LOGIN", "demo")
        if login not in LOGINS:
            raise CourseError(f"KERAS_COURSE_LOGIN={login!r}: the logins are {', '.join(LOGINS)}")
        hub_dir = Path(env.get("KERAS_COURSE_HUB_DIR", Path.cwd() / ".hub")).resolve()
        course_root = Path(env.get("KERAS_COURSE_ROOT", REPO / "course")).resolve()
        return cls(
            profile=profile,
            port=int(env.get("HUB_PORT", "8000")),
            course_root=course_root,
            hub_dir=hub_dir,
            exchange=Path(env.get("KERAS_COURSE_EXCHANGE", hub_dir / "exchange")).resolve(),
            login=login,
            instructors=_names(env.get("KERAS_COURSE_INSTRUCTORS", ",".join(DEMO_INSTRUCTORS))),
            students=_names(env.get("KERAS_COURSE_STUDENTS", ",".join(DEMO_STUDENTS))),
            cull_idle=int(env.get("KERAS_COURSE_CULL_IDLE", "3600")),
            user_languages=_user_languages(env.get("KERAS_COURSE_USER_LANGUAGES", DEMO_LANGUAGES)),
        )

    @property
    def launched_languages(self) -> Path:
        """Users' languages from their LTI launches' locale claims (user_language.py)."""
        return self.hub_dir / LANGUAGES_FILE

    # The hub's internal ports follow the public one, so that two hubs (a test's and a class's)
    # never meet as long as their HUB_PORTs are four apart.
    @property
    def hub_api_port(self) -> int:
        return self.port + 1

    @property
    def proxy_api_port(self) -> int:
        return self.port + 2

    @property
    def formgrader_port(self) -> int:
        return self.port + 3

    @property
    def homes(self) -> Path:
        return self.hub_dir / "home"

    @property
    def user_config(self) -> Path:
        """JUPYTER_CONFIG_PATH of students' and instructors' own servers."""
        return self.hub_dir / "jupyter" / "users"

    @property
    def formgrader_config(self) -> Path:
        """JUPYTER_CONFIG_PATH of the formgrader service."""
        return self.hub_dir / "jupyter" / "formgrader"

    @property
    def demo_accounts_file(self) -> Path:
        return self.hub_dir / "demo-accounts.json"


# -- the Jupyter configuration of the single-user servers and of the formgrader ------------------

def write_jupyter_config(settings: HubSettings, course_id: str) -> None:
    """Config folders that every server of the hub reads (through JUPYTER_CONFIG_PATH).

    Users' own servers know the exchange and the course and refuse a submission that lacks the
    assignment's notebook (nbgrader only warns by default, and the student then gets 0). They do
    not show nbgrader's instructor tools: the formgrader is the hub service, not a user's folder.
    """
    exchange_config = (
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(settings.exchange)!r}\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
    )
    users = settings.user_config
    (users / "labconfig").mkdir(parents=True, exist_ok=True)
    (users / "nbgrader_config.py").write_text(exchange_config + "c.ExchangeSubmit.strict = True\n")
    hidden = [f"@jupyter/nbgrader:{name}" for name in ("formgrader", "course-list", "create-assignment")]
    hidden.append("@jupyterlab/apputils-extension:announcements")  # a class has no use for Jupyter's news
    (users / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in hidden}}, indent=1))
    # Fewer server extensions, quicker starts when a whole class logs in at once; the language
    # servers extension would scan for servers that are not installed, and students work in
    # JupyterLab (Spawner.default_url), not in the Notebook 7 interface and its shim.
    (users / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
        "jupyter_lsp": False, "notebook": False, "notebook_shim": False}}}, indent=1))

    settings.formgrader_config.mkdir(parents=True, exist_ok=True)
    (settings.formgrader_config / "nbgrader_config.py").write_text(exchange_config)
    for folder in (settings.hub_dir, settings.hub_dir / "jupyter", users, users / "labconfig",
                   settings.formgrader_config):
        folder.chmod(0o755)  # students' servers run as their own system users and must read these


# -- demo accounts ------------------------------------------------------------------------------

def demo_accounts(settings: HubSettings) -> dict[str, str]:
    """user name -> password of the demo accounts, made once per hub folder and kept there."""
    path = settings.demo_accounts_file
    names = [*settings.instructors, *settings.students]
    accounts = json.loads(path.read_text()) if path.is_file() else {}
    if set(accounts) != set(names):
        accounts = {name: accounts.get(name) or "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(10))
                    for name in names}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(accounts, indent=1))
        path.chmod(0o600)
    return accounts


def ensure_system_user(name: str) -> None:
    """Create the system user ``name`` unless it exists (root only; LocalProcessSpawner needs one).

    Its home is the hub's own folder for it (the spawner sets HOME), so nothing goes to /home.
    """
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/bash", name], check=True,
                       capture_output=True)


def make_home(settings: HubSettings, name: str) -> Path:
    """The user's folder under the hub folder, theirs alone when they are a system user."""
    home = settings.homes / name
    home.mkdir(parents=True, exist_ok=True)
    settings.homes.chmod(0o755)
    if running_as_root():
        user = pwd.getpwnam(name)
        os.chown(home, user.pw_uid, user.pw_gid)
        home.chmod(0o700)
    return home


# -- the Python of users' servers -------------------------------------------------------------------

def others_can_run(python: str) -> bool:
    """Whether a user other than root can start ``python`` (a pyenv Python under /root cannot)."""
    try:
        return subprocess.run([python, "-c", ""], user="nobody", capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def users_python(settings: HubSettings) -> Path:
    """The Python that runs users' servers and kernels when they are other system users.

    This venv's own Python when they can run it; otherwise a small venv at <hub dir>/python, made
    from a world-readable Python of the same version, that sees this venv's packages (a .pth file).
    """
    if others_can_run(sys.executable):
        return Path(sys.executable)
    runtime = settings.hub_dir / "python"
    python = runtime / "bin" / "python"
    if not python.exists():
        base = _world_readable_python()
        subprocess.run([base, "-m", "venv", "--without-pip", str(runtime)], check=True, capture_output=True)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site_packages = Path(sys.prefix) / "lib" / version / "site-packages"
        (runtime / "lib" / version / "site-packages" / "keras_course.pth").write_text(
            f"import site; site.addsitedir({str(site_packages)!r})\n")
        subprocess.run(["chmod", "-R", "a+rX", str(runtime)], check=True)
    return python


def _world_readable_python() -> str:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in ("/usr/bin", "/usr/local/bin", "/opt/python/bin"):
        candidate = f"{folder}/{version}"
        if os.path.exists(candidate) and others_can_run(candidate):
            return candidate
    raise CourseError(
        f"users' servers run as their own system users, who cannot run {sys.executable}, and there is "
        f"no {version} they can run in /usr/bin or /usr/local/bin: install one (apt-get install {version}), "
        "or build .venv from a Python outside /root")


def users_server_environment(settings: HubSettings, python: Path) -> dict[str, str]:
    """What a server started with ``python`` needs to find this venv's Jupyter files."""
    env = {"JUPYTER_CONFIG_PATH": os.pathsep.join([str(settings.user_config),
                                                   str(Path(sys.prefix) / "etc" / "jupyter")])}
    if python.parent != Path(sys.executable).parent:
        env.update(JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
                   JUPYTERLAB_DIR=str(Path(sys.prefix) / "share" / "jupyter" / "lab"),
                   PATH=os.pathsep.join([str(python.parent), "/usr/local/bin", "/usr/bin", "/bin"]))
    return env


# -- the course, released to the exchange --------------------------------------------------------

def prepare_exchange(settings: HubSettings) -> None:
    """nbgrader's exchange: writable by everyone, sticky so no one removes another's files."""
    settings.exchange.mkdir(parents=True, exist_ok=True)
    settings.exchange.chmod(0o1777)


def release_to_exchange(settings: HubSettings, course: Course, chapters: list[str] | None = None) -> list[str]:
    """Generate the chapters (default: all) and release them to the exchange, where students fetch them."""
    prepare_exchange(settings)
    released = []
    for folder in release(course, chapters, list(course.languages)):  # each language: students choose
        run_nbgrader(course.root, "release_assignment", folder.name, "--force",
                     f"--Exchange.root={settings.exchange}")
        released.append(folder.name)
    return released


def prepare_local_hub(settings: HubSettings, chapters: list[str] | None = None) -> tuple[Course, dict[str, str]]:
    """Everything the local profile needs before JupyterHub starts: config folders, accounts and
    homes, the chapters (default: all) in the exchange. Returns the course and the demo accounts."""
    course = load_course(settings.course_root)
    settings.hub_dir.mkdir(parents=True, exist_ok=True)
    write_jupyter_config(settings, course.id)
    accounts = demo_accounts(settings)
    for name in accounts:
        if running_as_root():
            ensure_system_user(name)
        make_home(settings, name)
    release_to_exchange(settings, course, chapters)
    return course, accounts


def hub_environment(settings: HubSettings, run_id: str) -> dict[str, str]:
    """The hub's environment: this venv's programs first (the proxy, jupyterhub-singleuser), and
    a mark that the hub passes on to every process it starts (KERAS_COURSE_HUB_RUN)."""
    env = dict(os.environ)
    env[RUN_MARK] = run_id
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(KERAS_COURSE_HUB=settings.profile, HUB_PORT=str(settings.port),
               KERAS_COURSE_ROOT=str(settings.course_root), KERAS_COURSE_HUB_DIR=str(settings.hub_dir),
               KERAS_COURSE_EXCHANGE=str(settings.exchange), KERAS_COURSE_LOGIN=settings.login,
               KERAS_COURSE_INSTRUCTORS=",".join(settings.instructors),
               KERAS_COURSE_STUDENTS=",".join(settings.students),
               KERAS_COURSE_USER_LANGUAGES=",".join(f"{k}={v}" for k, v in settings.user_languages.items()))
    return env


class LocalHub:
    """A JupyterHub process of the local profile: start it, wait until it answers, stop it.

    ``stop`` leaves nothing running even when the hub died first: every process of the hub (its
    proxy, services, users' servers and kernels) carries this run's mark in its environment.
    """

    def __init__(self, settings: HubSettings, log: Path | None = None):
        self.settings = settings
        self.run_id = secrets.token_hex(8)
        self.log_path = log or settings.hub_dir / "jupyterhub.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def start(self, echo: bool = False) -> None:
        """Start JupyterHub; its log goes to the terminal (echo) or to ``log_path``."""
        command = [sys.executable, "-m", "jupyterhub", "-f", str(HUB_CONFIG)]
        environment = hub_environment(self.settings, self.run_id)
        if echo:
            self.process = subprocess.Popen(command, env=environment, cwd=self.settings.hub_dir)
            return
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the file
            self.process = subprocess.Popen(command, env=environment, cwd=self.settings.hub_dir,
                                            stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 300) -> None:
        """Until the login page answers through the proxy (the hub first waits for its services)."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CourseError(f"JupyterHub exited ({self.process.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/login", timeout=5) as page:
                    if page.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1)
        raise CourseError(f"JupyterHub did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 60) -> None:
        """SIGINT, as Ctrl-C: the hub stops users' servers and the proxy; then sweep what is left."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in processes_marked(self.run_id):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def free_port_block(size: int = 4) -> int:
    """A HUB_PORT whose next ``size - 1`` ports are free on 127.0.0.1 too (tests, benchmarks)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        try:
            for port in range(base, base + size):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise CourseError("no block of free ports on 127.0.0.1")


def processes_marked(run_id: str) -> list[int]:
    """Processes that carry a hub run's mark: the hub, its proxy, services, servers and kernels."""
    return processes_with_environ(f"{RUN_MARK}={run_id}\0".encode())


def processes_with_environ(mark: bytes) -> list[int]:
    """Other processes whose environment holds ``mark`` (bytes of /proc/<pid>/environ)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if mark in environ:
            found.append(int(entry.name))
    return found


def welcome(settings: HubSettings, course: Course, accounts: dict[str, str]) -> str:
    """What the person who started the hub reads: where to go and how each demo user logs in."""
    lines = [f"{course.title}: JupyterHub on http://127.0.0.1:{settings.port}/ (Ctrl-C stops it)", ""]
    for name, password in accounts.items():
        role = "instructor" if name in settings.instructors else "student"
        language = "  (works in Chinese: 中文)" if settings.user_languages.get(name) == "zh_CN" else ""
        lines.append(f"  {role:<10}  user {name:<12} password {password}{language}")
    lines.append("")
    lines.append(f"The formgrader (instructors only): http://127.0.0.1:{settings.port}/services/{course.id}/")
    if not running_as_root():
        lines.append("Not running as root: every user's server runs as you, so the exchange cannot keep "
                     "students' submissions apart (fine for a demo, not for a class).")
    return "\n".join(lines)


def run_hub(settings: HubSettings) -> int:
    """Prepare the local profile, print the welcome, run JupyterHub until Ctrl-C."""
    if settings.profile != "local":
        raise CourseError(f"keras-course hub runs the local profile; for {settings.profile}, see README.md")
    if shutil.which("configurable-http-proxy", path=str(Path(sys.executable).parent)) is None:
        raise CourseError("configurable-http-proxy is not installed in this environment: run `make`")
    print(f"Preparing the hub in {settings.hub_dir}: accounts, and every chapter released to the "
          "exchange (a minute or more) ...", flush=True)
    course, accounts = prepare_local_hub(settings)
    hub = LocalHub(settings)
    hub.start(echo=True)
    try:
        hub.wait_ready()
        print("\n" + welcome(settings, course, accounts) + "\n", flush=True)
        return hub.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        # A terminal's Ctrl-C reaches the hub as well; stop() waits for it, or passes it on.
        hub.stop()
        print("JupyterHub stopped.", flush=True)
