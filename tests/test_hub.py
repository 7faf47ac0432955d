"""The course's JupyterHub, for real: a hub of the local profile (with its proxy, formgrader
service and idle culler) on a free port of 127.0.0.1, on a private copy of the course.

A student logs in, gets a server, fetches ch05_cnn through nbgrader's exchange, fills in the
solution and submits; the instructor collects and grades; the student fetches the feedback and
sees 30/30. Another student goes the same way in headless Chromium (Debian's, through
Playwright), leaving screenshots in test-artifacts/hub/. Students cannot reach the formgrader,
the admin page, or anyone else's server or submission.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.hub import (HubSettings, LocalHub, free_port_block, prepare_local_hub,
                            processes_with_environ, running_as_root)
from autograder.hub_client import HubUser
from autograder.nbgrader_cmd import run_nbgrader
from bad_submissions import CHAPTER_POINTS
from conftest import ROOT, SOURCE, copy_course, graded_id

pytestmark = [pytest.mark.slow, pytest.mark.hub]

CHAPTER = "ch05_cnn"
NOTEBOOK = f"{CHAPTER}/{CHAPTER}.ipynb"
ARTIFACTS = ROOT / "test-artifacts" / "hub"
LOGIN_ERROR = "Invalid username or password"


@dataclass
class RunningHub:
    local: LocalHub
    course: Course
    accounts: dict[str, str]

    @property
    def url(self) -> str:
        return self.local.url

    @property
    def settings(self) -> HubSettings:
        return self.local.settings

    def user(self, name: str, password: str | None = None) -> HubUser:
        return HubUser(self.url, name, self.accounts[name] if password is None else password)

    def logged_in(self, name: str) -> HubUser:
        user = self.user(name)
        user.login()
        assert user.logged_in, f"{name} could not log in"
        return user

    def nbgrader(self, *args: str) -> str:
        """An nbgrader command in the course root, as the formgrader service runs them."""
        return run_nbgrader(self.course.root, *args, f"--Exchange.root={self.settings.exchange}")


def start_hub(top: Path) -> RunningHub:
    """Prepare and start a local hub in ``top``; the caller stops it."""
    settings = HubSettings.from_env({
        "HUB_PORT": str(free_port_block()),
        "KERAS_COURSE_HUB_DIR": str(top / "hub"),
        "KERAS_COURSE_ROOT": str(copy_course(top)),
        "KERAS_COURSE_CULL_IDLE": "3600",
    })
    course, accounts = prepare_local_hub(settings, [CHAPTER])  # the others would only cost time
    local = LocalHub(settings)
    local.start()
    return RunningHub(local, course, accounts)


@pytest.fixture(scope="module")
def hub():
    # Not under pytest's tmp folder: that is private to root, and students' servers must reach
    # the exchange and their homes.
    top = Path(tempfile.mkdtemp(prefix="keras-course-hub-"))
    top.chmod(0o755)
    running = None
    try:
        running = start_hub(top)
        running.local.wait_ready()
        yield running
    finally:
        if running:
            running.local.stop()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(running.local.log_path, ARTIFACTS / "jupyterhub.log")
        shutil.rmtree(top, ignore_errors=True)


def with_solution(notebook: dict, exercises: set[str] | None = None) -> dict:
    """The fetched notebook with the solution cells (default: all) replaced by the instructor's
    (read now: the chapter's notebook may change, its solution must still score full marks)."""
    source = nbformat.read(SOURCE / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    solutions = {graded_id(c): c.source for c in source.cells
                 if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for cell in notebook["cells"]:
        if graded_id(cell) in solutions and (exercises is None or graded_id(cell) in exercises):
            cell["source"] = solutions[graded_id(cell)]
    return notebook


def fetch_fill_submit(student: HubUser, course_id: str, extra_cell: str | None = None) -> None:
    """What a student does in JupyterLab's assignment list, over HTTP (``extra_cell``: code of a
    cell of their own after the imports, as an attacker would add one)."""
    student.start_server()
    released = {a["assignment_id"]: a["status"] for a in student.assignments(course_id)}
    assert released.get(CHAPTER) == "released", released
    fetched = student.assignment_action("fetch", course_id, CHAPTER)
    assert {a["assignment_id"]: a["status"] for a in fetched["value"]}[CHAPTER] == "fetched"
    notebook = with_solution(student.read_file(NOTEBOOK).json()["content"])
    if extra_cell:
        first = next(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code")
        notebook["cells"].insert(first + 1, nbformat.v4.new_code_cell(extra_cell))
    student.write_notebook(NOTEBOOK, notebook)
    submitted = student.assignment_action("submit", course_id, CHAPTER)
    assert submitted["success"], submitted


def grade(hub: RunningHub) -> None:
    """The instructor's part: collect, grade (keras-course grade: nbgrader's autograde, in
    parallel and sandboxed), generate and release feedback."""
    hub.nbgrader("collect", CHAPTER)
    graded = subprocess.run([sys.executable, "-m", "autograder", "grade", CHAPTER, "--course", str(hub.course.root)],
                            capture_output=True, text=True)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    run_nbgrader(hub.course.root, "generate_feedback", CHAPTER)
    hub.nbgrader("release_feedback", CHAPTER)


def feedback_score(student: HubUser) -> str:
    """The score line of the feedback that the student fetched, as the student's server shows it."""
    folder = student.read_file(f"{CHAPTER}/feedback").json()
    assert folder["content"], f"{student.name} has no feedback folder"
    latest = sorted(entry["path"] for entry in folder["content"])[-1]
    html = student.read_file(f"{latest}/{CHAPTER}.html").json()["content"]
    return re.search(r"\(Score: ([\d.]+ / [\d.]+)\)", html).group(1)


# -- a student in a real browser ----------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
FIRST_EXERCISE = "build_lenet5"
SLOW_STEP_MS = 240_000  # a server start or a first `import keras` on two busy cores


class BrowserStudent:
    """student2 in headless Chromium: the pages a student sees, each step as they would take it."""

    def __init__(self, hub: RunningHub, page, name: str = "student2"):
        self.hub, self.page, self.name = hub, page, name

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path

    def log_in(self) -> None:
        self.page.goto(f"{self.hub.url}/hub/login")
        self.page.fill("#username_input", self.name)
        self.page.fill("#password_input", self.hub.accounts[self.name])
        self.page.click("#login_submit")
        self.page.wait_for_selector(".jp-LabShell", timeout=SLOW_STEP_MS)

    def open_assignment_list(self) -> None:
        self.page.goto(f"{self.hub.url}/user/{self.name}/lab?reset")  # no notebook reopened (and its kernel)
        self.page.wait_for_selector(".jp-LabShell", timeout=SLOW_STEP_MS)
        self.page.get_by_text("Nbgrader", exact=True).click()
        self.page.get_by_text("Assignment List", exact=True).click()
        self.page.locator(".list_item", has_text=CHAPTER).first.wait_for(timeout=60_000)

    def click_in_list(self, list_id: str, button: str) -> None:
        """Press ``button`` in the chapter's row of one of the assignment list's three lists."""
        row = self.page.locator(f"#{list_id} .list_item", has_text=CHAPTER).first
        row.locator("button", has_text=button).click()

    def run_menu(self, item: str) -> None:
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator(".lm-Menu-itemLabel", has_text=item).first.click()

    def run_check_of_first_exercise(self) -> str:
        """Open the notebook, run it down to the first exercise's check; return that output."""
        self.page.goto(f"{self.hub.url}/user/{self.name}/lab/tree/{NOTEBOOK}")
        cells = self.page.locator(".jp-Notebook .jp-Cell")
        cells.first.wait_for(timeout=SLOW_STEP_MS)
        check_cell = cells.filter(has_text='check("lenet5"').first
        check_cell.locator(".jp-InputPrompt").click()  # selects the cell, in command mode
        self.run_menu("Run All Above Selected Cell")
        self.run_menu("Run Selected Cell and Do not Advance")
        output = check_cell.locator(".jp-OutputArea-output")
        output.first.wait_for(timeout=SLOW_STEP_MS)
        check_cell.scroll_into_view_if_needed()
        self.page.keyboard.press("Control+s")
        self.page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached")
        return output.first.inner_text()


@pytest.fixture(scope="module")
def browser_student(hub):
    """student2's browser, once they have fetched, checked and submitted (None without Chromium)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        yield None  # `make test` installs it as root; the HTTP tests still run
        return
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            student = BrowserStudent(hub, page)
            student.log_in()
            student.open_assignment_list()
            student.screenshot("1-assignment-list.png")
            student.click_in_list("released_assignments_list", "Fetch")
            page.wait_for_selector(f"#fetched_assignments_list >> text={CHAPTER}")

            # The student answers the first exercise only (typed in, saved as Lab saves it): its
            # check passes, the feedback shows part of the points, and grading stays quick.
            typed = hub.logged_in(student.name)
            notebook = typed.read_file(NOTEBOOK).json()["content"]
            typed.write_notebook(NOTEBOOK, with_solution(notebook, {FIRST_EXERCISE}))
            student.check_output = student.run_check_of_first_exercise()
            student.screenshot("2-notebook-with-passing-check.png")
            typed.shutdown_kernels()  # TensorFlow's memory back before grading

            student.open_assignment_list()
            student.click_in_list("fetched_assignments_list", "Submit")
            page.wait_for_selector(f"#submitted_assignments_list >> text={CHAPTER}", timeout=120_000)
            yield student
        finally:
            browser.close()


@pytest.fixture(scope="module")
def graded(hub, browser_student):
    """student1 submits the solution over HTTP, the browser student has submitted too; then the
    instructor grades everything in the exchange once."""
    student = hub.logged_in("student1")
    fetch_fill_submit(student, hub.course.id)
    grade(hub)
    return student


# -- logging in ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, password", [("student1", "not-the-password"), ("mallory", "whatever")])
def test_a_wrong_password_or_an_unknown_user_gets_the_login_error(hub, name, password):
    user = hub.user(name, password) if name in hub.accounts else HubUser(hub.url, name, password)
    page = user.login()
    assert page.status_code == 403
    assert LOGIN_ERROR in page.text
    assert not user.logged_in


# -- what a student may reach -------------------------------------------------------------------

def test_a_student_cannot_open_the_formgrader_or_the_admin_page(hub):
    student = hub.logged_in("student2")
    formgrader = student.session.get(f"{hub.url}/services/{hub.course.id}/formgrader")
    assert formgrader.status_code == 403
    assert "formgrader" not in formgrader.url.split("?")[0] or "oauth2/authorize" in formgrader.url
    assert student.session.get(f"{hub.url}/hub/admin").status_code == 403


def test_a_student_cannot_open_another_students_server(hub):
    hub.logged_in("student1").start_server()  # student1's server runs
    intruder = hub.logged_in("student2")
    page = intruder.open("lab", user="student1")
    assert page.status_code in (403, 404)
    assert intruder.hub_api("GET", "users/student1").status_code in (403, 404)
    assert intruder.read_file("", user="student1").status_code in (403, 404)


def test_the_instructor_reaches_the_formgrader_and_the_admin_page(hub):
    instructor = hub.logged_in("instructor")
    formgrader = instructor.session.get(f"{hub.url}/services/{hub.course.id}/formgrader")
    assert formgrader.status_code == 200
    assert "Manage Assignments" in formgrader.text and CHAPTER in formgrader.text or "manage_assignments" in formgrader.url
    assert instructor.session.get(f"{hub.url}/hub/admin").status_code == 200
    users = {u["name"] for u in instructor.hub_api("GET", "users").json()}
    assert {"student1", "student2", "instructor"} <= users


# -- the assignment's round trip ----------------------------------------------------------------

def test_a_student_submits_and_sees_full_marks_in_the_feedback(hub, graded):
    student = graded
    answer = student.assignment_action("fetch_feedback", hub.course.id, CHAPTER)
    status = {a["assignment_id"]: a for a in answer["value"]}[CHAPTER]
    assert status["status"] == "submitted"
    assert feedback_score(student) == f"{CHAPTER_POINTS} / {CHAPTER_POINTS}"


@pytest.mark.skipif(not running_as_root(), reason="the exchange keeps students apart only as root")
def test_a_student_cannot_read_another_students_submission(hub, graded):
    inbound = hub.settings.exchange / hub.course.id / "inbound"
    submissions = [p for p in inbound.iterdir() if p.name.startswith("student1+")]
    assert submissions, "student1's submission is not in the exchange"
    # nbgrader's inbound folder is write-only for students, and each submission's folder name
    # ends in a random part: without a listing, no one finds another's submission.
    as_student2 = dict(user="student2", capture_output=True, text=True, cwd="/")
    assert subprocess.run(["ls", str(inbound)], **as_student2).returncode != 0
    assert len(submissions[0].name.rsplit("+", 1)[-1]) >= 8
    # and over the hub: student2's server cannot be pointed at student1's folder
    student2 = hub.logged_in("student2")
    assert student2.read_file(f"../student1/{NOTEBOOK}").status_code in (403, 404)


def test_submitting_a_notebook_that_is_not_the_assignment_is_refused_and_nothing_is_lost(hub):
    student = hub.logged_in("student3")
    student.start_server()
    student.assignment_action("fetch", hub.course.id, CHAPTER)
    assert student.assignment_action("submit", hub.course.id, CHAPTER)["success"]  # a first, good one
    inbound = hub.settings.exchange / hub.course.id / "inbound"
    before = sorted(p.name for p in inbound.iterdir() if p.name.startswith("student3+"))

    student.rename(NOTEBOOK, f"{CHAPTER}/my_own_work.ipynb")
    refused = student.assignment_action("submit", hub.course.id, CHAPTER)

    assert not refused["success"]
    assert "not submitted" in refused["value"] and "MISSING" in refused["value"]
    assert student.read_file(f"{CHAPTER}/my_own_work.ipynb").status_code == 200
    assert sorted(p.name for p in inbound.iterdir() if p.name.startswith("student3+")) == before


def test_each_demo_account_is_printed_with_its_password(hub):
    from autograder.hub import welcome

    text = welcome(hub.settings, hub.course, hub.accounts)
    for name, password in hub.accounts.items():
        assert re.search(rf"user {name}\s+password {password}", text)
    assert hub.url in text


def test_the_browser_student_sees_a_passing_check_then_the_feedback(hub, browser_student, graded):
    if browser_student is None:
        pytest.skip(f"no {CHROMIUM}: `make test` installs it (apt-get, as root)")
    assert "lenet5" in browser_student.check_output
    assert "Error" not in browser_student.check_output

    browser_student.open_assignment_list()
    browser_student.click_in_list("submitted_assignments_list", "Fetch Feedback")
    browser_student.page.wait_for_selector("text=(view feedback)", timeout=120_000)
    browser_student.screenshot("3-assignment-list-with-feedback.png")

    typed = hub.logged_in(browser_student.name)
    feedback = sorted(e["path"] for e in typed.read_file(f"{CHAPTER}/feedback").json()["content"])[-1]
    browser_student.page.goto(f"{hub.url}/user/{browser_student.name}/files/{feedback}/{CHAPTER}.html")
    browser_student.page.wait_for_selector("text=Score:")
    browser_student.screenshot("4-feedback.png")
    score, out_of = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", browser_student.page.content()).groups()
    assert 0 < float(score) < float(out_of) == CHAPTER_POINTS  # the first exercise's points, not the others'


def test_the_chinese_demo_student_gets_jupyterlab_and_the_chapter_in_chinese(hub, browser_student):
    """student3 works in Chinese (the demo's KERAS_COURSE_USER_LANGUAGES): JupyterLab's menus come
    from the Chinese language pack, and the chapter's Chinese assignment opens with its glossary."""
    if browser_student is None:
        pytest.skip(f"no {CHROMIUM}: `make test` installs it (apt-get, as root)")
    chinese = f"{CHAPTER}_zh_CN"
    student = hub.logged_in("student3")
    student.start_server()
    fetched = student.assignment_action("fetch", hub.course.id, chinese)
    assert {a["assignment_id"]: a["status"] for a in fetched["value"]}[chinese] == "fetched"
    # a browser of their own (another context of the module's Chromium: no shared cookies)
    context = browser_student.page.context.browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", "student3")
        page.fill("#password_input", hub.accounts["student3"])
        page.click("#login_submit")
        page.goto(f"{hub.url}/user/student3/lab/tree/{chinese}/{chinese}.ipynb")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=SLOW_STEP_MS)
        page.locator(".lm-MenuBar-itemLabel", has_text="文件").first.wait_for(timeout=60_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.locator(".jp-RenderedMarkdown", has_text="术语表").first.wait_for(timeout=60_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "5-chinese-notebook.png"))
    finally:
        context.close()


def test_keras_course_hub_prints_each_login_and_stops_cleanly_on_ctrl_c():
    """`make start`'s command as a person runs it: the welcome with every demo login, a student's
    server, then Ctrl-C (SIGINT to the terminal's process group): exit 0, nothing left running."""
    top = Path(tempfile.mkdtemp(prefix="keras-course-hub-cli-"))
    top.chmod(0o755)
    course_root = copy_course(top)
    manifest = course_root / "course.toml"  # one chapter: releasing all seven would only cost time
    head, *chapters = manifest.read_text().split("[[chapters]]")
    manifest.write_text(head + "[[chapters]]" + next(c for c in chapters if '"ch01_setup"' in c))
    port = free_port_block()
    env = dict(os.environ, HUB_PORT=str(port), KERAS_COURSE_HUB_DIR=str(top / "hub"),
               KERAS_COURSE_ROOT=str(course_root))
    process = subprocess.Popen([sys.executable, "-m", "autograder", "hub"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while not any("The formgrader" in line for line in lines):
            assert process.poll() is None and time.monotonic() < deadline, "".join(lines[-40:])
            time.sleep(0.5)
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in text and "Ctrl-C stops it" in text
        logins = dict(re.findall(r"user (\S+)\s+password (\S+)", text))
        assert {"instructor", "student1", "student2", "student3"} <= set(logins)
        student = HubUser(f"http://127.0.0.1:{port}", "student1", logins["student1"])
        student.login()
        student.start_server()  # a user's server is running when Ctrl-C comes

        os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        assert process.wait(timeout=90) == 0
        reader.join(timeout=10)
        assert "JupyterHub stopped." in "".join(lines)
        time.sleep(1)
        assert processes_with_environ(str(top).encode()) == []  # the hub's folders are in their env
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(top, ignore_errors=True)
