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
from conftest import ROOT, SOURCE, copy_course
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


def hidden_test_lines() -> list[str]:
    """Lines that only the hidden tests of the instructor's notebooks hold (not the release)."""
    hidden, released = set(), set()
    for notebook in sorted(SOURCE.glob("ch*/ch*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if "### BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "### END HIDDEN TESTS" in line:
                    inside = False
                elif inside and len(line.strip()) >= 30:
                    hidden.add(line.strip())
                else:
                    released.add(line.strip())
    return sorted(hidden - released)


def test_the_student_image_holds_no_instructor_notebook_and_no_hidden_test(images, tmp_path):
    lines = hidden_test_lines()
    assert len(lines) > 50, "the instructor notebooks should hold hidden tests to look for"
    patterns = tmp_path / "patterns"
    patterns.write_text("\n".join(["BEGIN HIDDEN TESTS", *lines]) + "\n")
    patterns.chmod(0o644)
    found = in_image(STUDENT, "grep", "-rlF", "-f", "/patterns", "/", "--exclude-dir=proc", "--exclude-dir=sys",
                     "--exclude-dir=dev", user="0", mounts=[(patterns, "/patterns")], check=False)
    assert found.returncode == 1, f"hidden-test text in the student image:\n{found.stdout}{found.stderr[-2000:]}"
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

    def grader(self, *args: str, entrypoint: str | None = None) -> str:
        extra = ["--entrypoint", entrypoint] if entrypoint else []
        return self("run", "--rm", "-T", *extra, "grader", *args, timeout=900).stdout

    def hub_container(self) -> str:
        return self("ps", "-q", "hub").stdout.strip()

    def user_containers(self) -> list[str]:
        return run("docker", "ps", "-a", "--format", "{{.Names}}", "--filter", f"name=^{self.project}-").stdout.split()

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
    """student1 submits the solution through the proxy; the instructor grades in the grader image."""
    student = login(deployment, "student1")
    student.start_server = _with_timeout(student.start_server, 300)
    fetch_fill_submit(student, "keras-course")
    deployment.grader("collect", CHAPTER, entrypoint="nbgrader")
    deployment.grader("grade", CHAPTER)
    deployment.grader("feedback", CHAPTER, "--release")
    return student


def _with_timeout(start_server, timeout: float):
    return lambda: start_server(timeout=timeout)


def inspect(container: str) -> dict:
    return json.loads(run("docker", "inspect", container).stdout)[0]


def test_the_student_sees_full_marks_in_the_feedback(deployment, graded):
    answer = graded.assignment_action("fetch_feedback", "keras-course", CHAPTER)
    assert {a["assignment_id"]: a for a in answer["value"]}[CHAPTER]["status"] == "submitted"
    assert feedback_score(graded) == f"{CHAPTER_POINTS} / {CHAPTER_POINTS}"


def test_the_students_server_is_a_container_with_its_own_uid_limits_and_volumes(deployment, graded):
    name = f"{deployment.project}-student1"
    container = inspect(name)
    assert container["Config"]["Image"] == STUDENT
    assert container["HostConfig"]["Memory"] == 3 * 1024 ** 3
    assert container["HostConfig"]["NanoCpus"] == 1_000_000_000
    mounts = {m.get("Name"): m["Destination"] for m in container["Mounts"]}
    assert mounts[f"{deployment.project}-user-student1"] == "/home/student1"
    assert mounts[f"{deployment.project}-exchange"] == "/srv/nbgrader/exchange"
    uids = {line.split(None, 1)[0] for line in run("docker", "top", name, "-eo", "uid,args").stdout.splitlines()[1:]
            if "singleuser" in line}
    assert uids and all(int(uid) >= 10000 for uid in uids), uids


def test_the_students_container_becomes_healthy(deployment, graded):
    name = f"{deployment.project}-student1"
    for _ in range(60):
        health = inspect(name)["State"].get("Health", {}).get("Status")
        if health == "healthy":
            return
        time.sleep(3)
    raise AssertionError(f"{name} is {health}: {inspect(name)['State'].get('Health')}")


def test_another_student_cannot_list_the_submissions_or_see_a_home(deployment, graded):
    student2 = login(deployment, "student2")
    student2.start_server(timeout=300)
    name = f"{deployment.project}-student2"
    uid = next(line.split(None, 1)[0] for line in run("docker", "top", name, "-eo", "uid,args").stdout.splitlines()[1:]
               if "singleuser" in line)
    as_student2 = ["docker", "exec", "-u", uid, name]
    listing = run(*as_student2, "ls", "/srv/nbgrader/exchange/keras-course/inbound", check=False)
    assert listing.returncode != 0 and "Permission denied" in listing.stderr, listing
    assert run(*as_student2, "ls", "/home/student1", check=False).returncode != 0
    assert student2.read_file(f"../student1/{NOTEBOOK}").status_code in (403, 404)
    assert student2.open("lab", user="student1").url.startswith(f"{deployment.url}/hub/") or \
        student2.open("lab", user="student1").status_code in (403, 404)


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
