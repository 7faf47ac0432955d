"""The docker profile for real, on this machine's Docker engine: the images built by
docker/build-local.sh (the production Dockerfiles on a Debian base made here), then compose's hub
and proxy, a student's server as a container of the CPU student image, grading in the grader image.

A student logs in through the proxy; DockerSpawner starts their server (own uid, memory and CPU
limits, home volume, the shared exchange volume); they fetch ch05_cnn, submit the solution; the
instructor collects, grades and releases feedback with the grader image (no network); the student
sees full marks. Another student cannot list the exchange's submissions nor see the first's home.
Stopping the hub stops the users' containers. The images keep their promises in the built image:
non-root, probes that pass, no instructor notebook or hidden-test text in a student image, and a
Keras cache that holds the chapters' data or names what the build could not fetch.

Skipped, with the reason, where no engine answers or no compose command is installed: `make test`
starts one when run as root (Makefile: docker-engine). Artifacts: test-artifacts/docker/.
"""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
import requests

from autograder.hub import free_port_block
from autograder.hub_client import HubUser
from bad_submissions import CHAPTER_POINTS
from conftest import CHAPTER_NOTEBOOKS, ROOT, copy_course
from forged_submissions import hidden_lines
from test_hub import CHAPTER, CHROMIUM, CHROMIUM_ARGS, NOTEBOOK, feedback_score, fetch_fill_submit

pytestmark = [pytest.mark.slow, pytest.mark.docker]

ARTIFACTS = ROOT / "test-artifacts" / "docker"
HUB, GRADER, STUDENT = "keras-course/hub:0.1.0", "keras-course/grader:0.1.0", "keras-course/student-cpu:0.1.0"
BUILD_TIMEOUT = 3600  # a first build on a fresh machine downloads TensorFlow three times over
MEM_LIMIT, CPU_LIMIT = "3G", "1"


def run(*args: str, timeout: float = 600, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n"
                             f"{result.stderr[-3000:]}")
    return result


def compose_command() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) and subprocess.run([*command, "version"], capture_output=True).returncode == 0:
            return command
    return None


def engine_missing() -> str | None:
    if not shutil.which("docker"):
        return "no docker command (make test installs Docker as root: Makefile, docker-engine)"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker engine answers (start dockerd; make test does so as root)"
    if compose_command() is None:
        return "no docker compose / docker-compose command"
    return None


@pytest.fixture(scope="module")
def images():
    """The images of docker/build-local.sh, built now (cached layers make a rebuild take seconds)."""
    reason = engine_missing()
    if reason:
        pytest.skip(reason)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    built = run(str(ROOT / "docker" / "build-local.sh"), timeout=BUILD_TIMEOUT, check=False)
    (ARTIFACTS / "build.log").write_text(built.stdout + built.stderr)
    assert built.returncode == 0, f"docker/build-local.sh failed (test-artifacts/docker/build.log):\n{built.stderr[-4000:]}"
    print(f"\nimages built or checked in {time.monotonic() - began:.0f} s")
    return {name: json.loads(run("docker", "image", "inspect", name).stdout)[0] for name in (HUB, GRADER, STUDENT)}


# -- the images, as built ------------------------------------------------------------------------

PATTERNS = "/kc-grep-patterns"  # where a grep's patterns are mounted; excluded from its own search


def grep_image(image: str, patterns: list[str], folder: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """grep -F over the image's whole filesystem, as root: exit status 1 when nothing matches."""
    listed = folder / "patterns"
    listed.write_text("\n".join(patterns) + "\n")
    listed.chmod(0o644)
    return in_image(image, "grep", "-rlF", "-f", PATTERNS, f"--exclude={PATTERNS[1:]}", "--exclude-dir=proc",
                    "--exclude-dir=sys", "--exclude-dir=dev", "/", user="0", mounts=[(listed, PATTERNS)],
                    check=False, timeout=timeout)


def in_image(image: str, *command: str, user: str | None = None, mounts=(), check=True, timeout=600):
    args = ["docker", "run", "--rm", "--network", "none", "--entrypoint", command[0]]
    if user:
        args += ["--user", user]
    for host, container in mounts:
        args += ["-v", f"{host}:{container}:ro"]
    return run(*args, image, *command[1:], check=check, timeout=timeout)


@pytest.mark.parametrize("name", [HUB, GRADER, STUDENT])
def test_each_image_runs_as_a_user_other_than_root(images, name):
    user = images[name]["Config"]["User"]
    assert user not in ("", "0", "root"), f"{name} runs as root"
    assert in_image(name, "id", "-u").stdout.strip() != "0"


def test_the_grader_image_passes_its_own_probe(images):
    probe = images[GRADER]["Config"]["Healthcheck"]["Test"]
    assert probe[0] == "CMD", probe
    in_image(GRADER, *probe[1:])


def pem_lines(text: str) -> set[str]:
    """One line from inside each certificate of a PEM bundle (its 6th: far from the shared header)."""
    return {block.splitlines()[5] for block in re.findall(r"-----BEGIN CERTIFICATE-----\n(.*?)-----END", text, re.S)
            if len(block.splitlines()) > 6}


@pytest.mark.parametrize("name", [HUB, GRADER, STUDENT])
def test_this_machines_ca_bundle_is_in_no_image(images, name, tmp_path):
    # build-local.sh lends it to pip as a build secret: not in the environment, history or files.
    assert not [v for v in images[name]["Config"]["Env"] if v.startswith("PIP_CERT")]
    history = run("docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", name).stdout
    assert "BEGIN CERTIFICATE" not in history
    ca_bundle = Path(os.environ.get("CA_BUNDLE") or "/etc/ssl/certs/ca-certificates.crt")
    if not ca_bundle.is_file():
        pytest.skip(f"no CA bundle at {ca_bundle}")
    debian = in_image(name, "cat", "/etc/ssl/certs/ca-certificates.crt", check=False).stdout
    own = pem_lines(ca_bundle.read_text()) - pem_lines(debian)  # this machine's roots, not Debian's
    if not own:
        return  # nothing on this machine that a public image would not hold anyway
    found = grep_image(name, sorted(own), tmp_path)
    assert found.returncode == 1, f"this machine's CA certificates are in {name}:\n{found.stdout}"


def hidden_test_lines() -> list[str]:
    """The code lines of every chapter's hidden tests that students cannot read anywhere else
    (tests/forged_submissions.py: not in the release, nor in the package's public half)."""
    public = "\n".join(path.read_text() for path in (ROOT / "autograder").rglob("*.py")
                       if not {"grading", "instructor"} & set(path.relative_to(ROOT / "autograder").parts))
    public += "\n".join(nbformat.writes(released_version(notebook)) for notebook in CHAPTER_NOTEBOOKS)
    return sorted({line for notebook in CHAPTER_NOTEBOOKS for line in hidden_lines(notebook, public)})


def released_version(notebook: Path):
    """The notebook less its hidden tests' lines: what the release keeps of each cell."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        cell.source = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
    return nb


def test_the_student_image_holds_no_instructor_notebook_and_no_hidden_test(images, tmp_path):
    lines = hidden_test_lines()
    assert len(lines) > 50, "the instructor notebooks should hold hidden tests to look for"
    found = grep_image(STUDENT, lines, tmp_path)
    assert found.returncode == 1, f"hidden-test text in the student image:\n{found.stdout}{found.stderr[-2000:]}"
    # The same search finds what is there: a line of the public checks that students get.
    public_line = next(line.strip() for line in (ROOT / "autograder" / "student.py").read_text().splitlines()
                       if len(line.strip()) >= 30)
    assert grep_image(STUDENT, [public_line], tmp_path).returncode == 0, public_line
    # nbgrader's marker is in nbgrader's own files; in the course's, it would mean a hidden test
    marker = in_image(STUDENT, "grep", "-rl", "BEGIN HIDDEN TESTS", "/srv/course", "/home", check=False)
    assert marker.returncode == 1, marker.stdout
    notebooks = in_image(STUDENT, "find", "/", "-xdev", "-name", "*.ipynb", "-path", "*ch0*", user="0").stdout.split()
    assert notebooks and all(path.startswith("/srv/course/release/") for path in notebooks), notebooks
    grading = in_image(STUDENT, "python", "-c", "import autograder.grading", check=False)
    assert grading.returncode != 0, "the student image holds the grading engine"


def test_the_student_image_caches_the_chapters_data_or_names_what_is_missing(images):
    listing = in_image(STUDENT, "sh", "-c", "cd /opt/keras && find . -type f | sort; echo ---; cat MISSING 2>/dev/null",
                       user="0").stdout
    files, missing = listing.split("---\n")
    expected = {"mnist": "datasets/mnist.npz", "VGG16": "models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                "MobileNetV2": "models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"}
    named = {line.split(":")[0] for line in missing.splitlines() if line}
    for asset, path in expected.items():
        assert f"./{path}" in files.split() or asset in named, f"{path} neither cached nor listed in MISSING"
    report = ("cached:\n" + files + "missing (the build could not download them here):\n" + (missing or "none\n"))
    (ARTIFACTS / "keras-cache.txt").write_text(report)
    print("\n" + report)


def test_image_sizes_are_printed_with_what_dominates_the_student_image(images):
    sizes = {name: images[name]["Size"] / 1e9 for name in images}
    biggest = in_image(STUDENT, "sh", "-c", "du -sm /opt/venv/lib/python3*/site-packages/* | sort -n | tail -6").stdout
    report = "".join(f"{name}: {gb:.2f} GB\n" for name, gb in sizes.items())
    report += "largest packages of the student image (MB):\n" + biggest
    (ARTIFACTS / "image-sizes.txt").write_text(report)
    print("\n" + report)
    assert "tensorflow" in biggest


def test_gpu_check_runs_in_the_student_image(images):
    # The GPU image runs the same command with `docker run --gpus all` (README, GPU smoke test);
    # here, without a GPU, it trains on the CPU and says that no GPU is visible.
    result = in_image(STUDENT, "keras-course", "gpu-check", "--epochs", "1", check=False, timeout=900)
    assert "GPU" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.returncode in (0, 1), result.stderr[-2000:]


# -- the docker profile, end to end --------------------------------------------------------------

class Deployment:
    """compose's hub and proxy under a project name of their own, on a private copy of the course."""

    def __init__(self, top: Path):
        self.project = f"kc-test-{secrets.token_hex(3)}"
        self.port = free_port_block()
        self.course = copy_course(top)
        self.compose = [*compose_command(), "-p", self.project, "-f", str(ROOT / "docker" / "compose.yaml")]
        self.env = {**os.environ,
                    "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
                    "HUB_PORT": str(self.port),
                    "DOCKER_GID": str(os.stat("/var/run/docker.sock").st_gid),
                    "KERAS_COURSE_PROJECT": self.project,
                    "KERAS_COURSE_PROXY_IMAGE": HUB,
                    "KERAS_COURSE_STUDENT_IMAGE": STUDENT,
                    "KERAS_COURSE_GPUS": "none",
                    "KERAS_COURSE_MEM_LIMIT": MEM_LIMIT,
                    "KERAS_COURSE_CPU_LIMIT": CPU_LIMIT,
                    "KERAS_COURSE_COURSE_DIR": str(self.course),
                    "KERAS_COURSE_SOURCE_DIR": str(top / "source")}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __call__(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        return run(*self.compose, *args, env=self.env, timeout=timeout, check=check)

    def grader(self, *args: str, entrypoint: str | None = None, stderr: bool = False) -> str:
        extra = ["--entrypoint", entrypoint] if entrypoint else []
        result = self("run", "--rm", "-T", *extra, "grader", *args, timeout=900)
        return result.stdout + (result.stderr if stderr else "")

    def hub_container(self) -> str:
        return self("ps", "-q", "hub").stdout.strip()

    def user_containers(self) -> list[str]:
        """The users' servers (<project>-<user>; compose's own are <project>_hub_1 or <project>-hub-1)."""
        return run("docker", "ps", "-a", "--format", "{{.Names}}",
                   "--filter", f"name=^/?{self.project}-student").stdout.split()

    def wait_ready(self, timeout: float = 300) -> None:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                if requests.get(f"{self.url}/hub/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(2)
        logs = self("logs", "--tail", "80", check=False).stdout
        raise AssertionError(f"the hub did not answer within {timeout:.0f} s:\n{logs}")

    def accounts(self) -> dict[str, str]:
        return json.loads(run("docker", "exec", self.hub_container(), "cat", "/srv/jupyterhub/demo-accounts.json").stdout)

    def remove(self) -> None:
        self("down", "--volumes", "--timeout", "60", check=False)
        volumes = run("docker", "volume", "ls", "-q", "--filter", f"name={self.project}-", check=False).stdout.split()
        if volumes:
            run("docker", "volume", "rm", "-f", *volumes, check=False)


@pytest.fixture(scope="module")
def deployment(images):
    top = Path(tempfile.mkdtemp(prefix="keras-course-docker-"))
    top.chmod(0o755)
    up = None
    try:
        up = Deployment(top)
        run(sys.executable, "-m", "autograder", "release", CHAPTER, "--lang", "en", "--course", str(up.course))
        run("chown", "-R", "1000:100", str(up.course))  # the hub's and the grader's user write here
        up("up", "-d")
        up.wait_ready()
        up.grader("release_assignment", CHAPTER, entrypoint="nbgrader")
        yield up
    finally:
        if up:
            logs = up("logs", "--no-color", check=False)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "compose.log").write_text(logs.stdout + logs.stderr)
            up.remove()
        shutil.rmtree(top, ignore_errors=True)


def login(deployment: Deployment, name: str) -> HubUser:
    user = HubUser(deployment.url, name, deployment.accounts()[name])
    user.login()
    assert user.logged_in, f"{name} could not log in through the proxy"
    return user


@pytest.fixture(scope="module")
def graded(deployment):
    """student1 submits the solution through the proxy, student3 the solution with a probe of the
    grader's files; the instructor grades in the grader image."""
    student = login(deployment, "student1")
    student.start_server = functools.partial(student.start_server, timeout=300)  # a first container start
    fetch_fill_submit(student, "keras-course")
    prober = login(deployment, "student3")
    prober.start_server = functools.partial(prober.start_server, timeout=300)
    fetch_fill_submit(prober, "keras-course", extra_cell=PROBE)
    deployment.grader("collect", CHAPTER, entrypoint="nbgrader")
    deployment.graded_output = deployment.grader("grade", CHAPTER, stderr=True)
    deployment.grader("feedback", CHAPTER, "--release")
    return student


# A submission's own cell, run by the grader: what can it read or write of the instructor's files?
PROBE = """
probe_results = []
for probe_path, probe_mode in [("/srv/keras-course/source/ch05_cnn/ch05_cnn.ipynb", "rb"),
                               ("/srv/keras-course/course/gradebook.db", "rb"),
                               ("/srv/keras-course/course/gradebook.db", "ab")]:
    try:
        open(probe_path, probe_mode).close()
        probe_results.append(f"PROBE-OPENED {probe_mode} {probe_path}")
    except OSError as probe_error:
        probe_results.append(f"PROBE-BLOCKED {probe_mode} {probe_path}: {type(probe_error).__name__}")
print("\\n".join(probe_results))
"""


def server_uid(container: str) -> int:
    """The uid that the user's Jupyter server runs as (``docker top`` needs the pid column)."""
    rows = [row.split(None, 2) for row in run("docker", "top", container, "-eo", "pid,uid,args").stdout.splitlines()[1:]]
    # not tini, pid 1, which stays root to pass signals on: the server it started
    return int(next(uid for _, uid, args in rows if "singleuser" in args and not args.startswith("tini")))


def inspect(container: str) -> dict:
    return json.loads(run("docker", "inspect", container).stdout)[0]


def test_the_student_sees_full_marks_in_the_feedback(deployment, graded):
    answer = graded.assignment_action("fetch_feedback", "keras-course", CHAPTER)
    assert {a["assignment_id"]: a for a in answer["value"]}[CHAPTER]["status"] == "submitted"
    assert feedback_score(graded) == f"{CHAPTER_POINTS} / {CHAPTER_POINTS}"


def test_student_code_in_the_grader_sees_none_of_the_instructors_files(deployment, graded):
    # compose gives the grader what the sandbox needs (user namespaces: seccomp) and nothing more
    assert "no sandbox" not in deployment.graded_output, deployment.graded_output[-2000:]
    autograded = deployment.course / "autograded" / "student3" / CHAPTER / f"{CHAPTER}.ipynb"
    cell = next(c for c in nbformat.read(autograded, as_version=4).cells
                if c.cell_type == "code" and "probe_results" in c.source)
    printed = "".join(output.get("text", "") for output in cell.outputs)
    assert printed.count("PROBE-BLOCKED") == 3 and "PROBE-OPENED" not in printed, printed


def test_the_students_server_is_a_container_with_its_own_uid_limits_and_volumes(deployment, graded):
    name = f"{deployment.project}-student1"
    container = inspect(name)
    assert container["Config"]["Image"] == STUDENT
    assert container["HostConfig"]["Memory"] == 3 * 1024 ** 3
    host = container["HostConfig"]  # DockerSpawner sets the CPU limit as a CFS quota per period
    cpus = host["NanoCpus"] / 1e9 if host["NanoCpus"] else host["CpuQuota"] / host["CpuPeriod"]
    assert cpus == float(CPU_LIMIT)
    mounts = {m.get("Name"): m["Destination"] for m in container["Mounts"]}
    assert mounts[f"{deployment.project}-user-student1"] == "/home/student1"
    assert mounts[f"{deployment.project}-exchange"] == "/srv/nbgrader/exchange"
    assert server_uid(name) >= 10000  # 10000 + the user's id: a uid of their own, not jovyan's


def wait_healthy(container: str, timeout: float = 240) -> None:
    """Until Docker's HEALTHCHECK of ``container`` says healthy (the images' probes, run for real)."""
    began, health = time.monotonic(), None
    while time.monotonic() - began < timeout:
        health = inspect(container)["State"].get("Health", {})
        if health.get("Status") == "healthy":
            return
        time.sleep(3)
    raise AssertionError(f"{container} is not healthy after {timeout:.0f} s: {health}")


def test_the_students_container_and_the_hub_pass_their_probes(deployment, graded):
    wait_healthy(f"{deployment.project}-student1")
    wait_healthy(deployment.hub_container())


def test_another_student_cannot_list_the_submissions_or_see_a_home(deployment, graded):
    student2 = login(deployment, "student2")
    student2.start_server(timeout=300)
    name = f"{deployment.project}-student2"
    uid = str(server_uid(name))
    assert uid != str(server_uid(f"{deployment.project}-student1"))
    as_student2 = ["docker", "exec", "-u", uid, name]
    listing = run(*as_student2, "ls", "/srv/nbgrader/exchange/keras-course/inbound", check=False)
    assert listing.returncode != 0 and "Permission denied" in listing.stderr, listing
    assert run(*as_student2, "ls", "/home/student1", check=False).returncode != 0
    assert student2.read_file(f"../student1/{NOTEBOOK}").status_code in (403, 404)
    assert student2.open("lab", user="student1").status_code in (403, 404)


def test_the_students_jupyterlab_in_its_container_in_a_browser(deployment, graded):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Debian chromium (make browser installs it as root)")
    password = deployment.accounts()["student1"]
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{deployment.url}/hub/login")
            page.fill("input[name=username]", "student1")
            page.fill("input[name=password]", password)
            page.click("input[type=submit], button[type=submit]")
            page.goto(f"{deployment.url}/user/student1/lab/tree/{NOTEBOOK}", timeout=240_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=240_000)
            page.wait_for_timeout(2000)
            page.screenshot(path=str(ARTIFACTS / "student-lab-in-container.png"))
        finally:
            browser.close()


def test_stopping_the_hub_stops_the_users_containers(deployment, graded):
    # Last in this module: the hub goes down, and every user's container with it.
    assert deployment.user_containers(), "no user container is running"
    deployment("stop", "hub", timeout=180)
    assert deployment.user_containers() == []
