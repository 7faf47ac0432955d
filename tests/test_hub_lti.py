"""The hub with LTI 1.3 login, end to end, against the test LMS (tests/lti_platform.py).

A student launches the course from the LMS: the LMS initiates the login at the hub, the hub sends
the browser to the LMS's authorization endpoint, the LMS posts back a signed id token, the hub
checks it (signature from the LMS's JWKS, nonce, state) and logs the student in, keeping the
launch's grade services claim. The student fetches chapter 1, submits the solution; the
instructor grades; `keras-course passback` posts the score to the LMS course's line item, where
the LMS finds full marks for the LMS's id of that student. An instructor's launch keeps nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
import requests

from autograder.hub import HubSettings, LocalHub, free_port_block, prepare_local_hub
from autograder.hub_client import HubUser
from autograder.instructor.lms_launches import LaunchStore
from autograder.instructor.passback import ToolRegistration, key_thumbprint, make_tool_key
from autograder.nbgrader_cmd import run_nbgrader
from conftest import ROOT, SOURCE, copy_course, graded_id
from lti_platform import LIS, Platform

pytestmark = [pytest.mark.slow, pytest.mark.hub]

CHAPTER = "ch01_setup"  # the quickest chapter to grade
ARTIFACTS = ROOT / "test-artifacts" / "hub-lti"


@pytest.fixture(scope="module")
def lms():
    with Platform() as platform:
        platform.add_context("dl-2027", "Deep Learning 2027", {"lms-dana", "lms-prof"})
        yield platform


@pytest.fixture(scope="module")
def lti_hub(lms):
    top = Path(tempfile.mkdtemp(prefix="keras-course-hub-lti-"))
    top.chmod(0o755)  # students' servers reach the exchange and their homes below it
    settings = HubSettings.from_env({"HUB_PORT": str(free_port_block()), "KERAS_COURSE_HUB_DIR": str(top / "hub"),
                                     "KERAS_COURSE_ROOT": str(copy_course(top)), "KERAS_COURSE_LOGIN": "lti13"})
    login = {"KERAS_COURSE_LTI_ISSUER": lms.issuer, "KERAS_COURSE_LTI_CLIENT_ID": lms.client_id,
             "KERAS_COURSE_LTI_AUTHORIZE_URL": lms.url + "/auth", "KERAS_COURSE_LTI_JWKS_ENDPOINT": lms.url + "/jwks"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in login.items():
            patch.setenv(name, value)
        course, _ = prepare_local_hub(settings, [CHAPTER])
        hub = LocalHub(settings)
        hub.start()
    try:
        hub.wait_ready()
        yield hub, course
    finally:
        hub.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(hub.log_path, ARTIFACTS / "jupyterhub.log")
        shutil.rmtree(top, ignore_errors=True)


def launch_from_lms(hub: LocalHub, lms: Platform, lms_user: str, roles: list[str]) -> HubUser:
    """The browser's part of an LTI 1.3 launch, over HTTP; returns the logged-in hub user."""
    lms.expect_login(f"hint-{lms_user}", "dl-2027", lms_user, roles)
    session = requests.Session()
    initiation = session.post(f"{hub.url}/hub/lti13/oauth_login", allow_redirects=False, timeout=30, data={
        "iss": lms.issuer, "login_hint": f"hint-{lms_user}", "target_link_uri": f"{hub.url}/hub/",
        "client_id": lms.client_id, "lti_deployment_id": lms.deployment_id})
    assert initiation.status_code == 302, initiation.text[:500]
    authorization = session.get(initiation.headers["Location"], timeout=30)  # the LMS signs an id token
    assert authorization.status_code == 200, authorization.text[:500]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', authorization.text))
    action = re.search(r'action="([^"]+)"', authorization.text).group(1)
    callback = session.post(action, data=fields, allow_redirects=False, timeout=60)
    assert callback.status_code == 302, callback.text[:500]
    user = HubUser(hub.url, lms_user, "")
    user.session = session
    assert user.logged_in, f"{lms_user} has no hub session after the launch"
    return user


def with_solution(notebook: dict) -> dict:
    source = nbformat.read(SOURCE / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    solutions = {graded_id(c): c.source for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for cell in notebook["cells"]:
        if graded_id(cell) in solutions:
            cell["source"] = solutions[graded_id(cell)]
    return notebook


def test_a_launch_records_the_lms_course_and_passback_posts_the_grade_there(lti_hub, lms, tool_key_env):
    hub, course = lti_hub
    professor = launch_from_lms(hub, lms, "lms-prof", [LIS + "Instructor"])
    dana = launch_from_lms(hub, lms, "lms-dana", [LIS + "Learner"])
    groups = {g["name"]: g["users"] for g in professor.hub_api("GET", "groups").json()}
    assert "lms-dana" in groups["students"] and "lms-prof" in groups["instructors"]

    kept = LaunchStore.in_course(course.root).launches()
    assert [(k.hub_user, k.lms_user, k.context_id) for k in kept] == [("lms-dana", "lms-dana", "dl-2027")]
    assert kept[0].lineitems == lms.lineitems_url("dl-2027") and kept[0].issuer == lms.issuer

    dana.start_server()
    dana.assignment_action("fetch", course.id, CHAPTER)
    path = f"{CHAPTER}/{CHAPTER}.ipynb"
    dana.write_notebook(path, with_solution(dana.read_file(path).json()["content"]))
    assert dana.assignment_action("submit", course.id, CHAPTER)["success"]

    run_nbgrader(course.root, "collect", CHAPTER, f"--Exchange.root={hub.settings.exchange}")
    graded = subprocess.run([sys.executable, "-m", "autograder", "grade", CHAPTER, "--course", str(course.root)],
                            capture_output=True, text=True)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]

    posted = subprocess.run([sys.executable, "-m", "autograder", "passback", CHAPTER, "--course", str(course.root)],
                            capture_output=True, text=True, env=tool_key_env)
    assert posted.returncode == 0, posted.stdout + posted.stderr
    score = lms.scores("dl-2027", CHAPTER)["lms-dana"]
    assert score["scoreGiven"] == score["scoreMaximum"] == course.chapter(CHAPTER).points
    assert "lms-dana" in posted.stdout and "posted" in posted.stdout


@pytest.fixture
def tool_key_env(lms, tmp_path):
    import os

    key = tmp_path / "tool.pem"
    make_tool_key(key)
    public = ToolRegistration("", "", "", str(key)).private_key().public_key()
    lms.register_tool_key(public, key_thumbprint(public))
    return {**os.environ, "KERAS_COURSE_LTI_ISSUER": lms.issuer, "KERAS_COURSE_LTI_CLIENT_ID": lms.client_id,
            "KERAS_COURSE_LTI_TOKEN_URL": lms.token_url, "KERAS_COURSE_LTI_PRIVATE_KEY": str(key)}


def test_a_launch_with_a_forged_signature_logs_no_one_in_and_keeps_nothing(lti_hub, lms):
    hub, course = lti_hub
    before = LaunchStore.in_course(course.root).launches()
    lms.expect_login("hint-mallory", "dl-2027", "lms-mallory", [LIS + "Learner"])
    session = requests.Session()
    initiation = session.post(f"{hub.url}/hub/lti13/oauth_login", allow_redirects=False, timeout=30, data={
        "iss": lms.issuer, "login_hint": "hint-mallory", "target_link_uri": f"{hub.url}/hub/", "client_id": lms.client_id})
    authorization = session.get(initiation.headers["Location"], timeout=30)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', authorization.text))
    impostor = Platform(client_id=lms.client_id)  # same claims, another key: what an attacker can sign
    impostor.contexts = lms.contexts
    nonce = re.search(r"nonce=(\w+)", initiation.headers["Location"]).group(1)
    fields["id_token"] = impostor.id_token({**lms.launch_claims("dl-2027", "lms-mallory", [LIS + "Learner"], nonce),
                                            "iss": lms.issuer})
    impostor.server.server_close()
    action = re.search(r'action="([^"]+)"', authorization.text).group(1)
    answer = session.post(action, data=fields, allow_redirects=False, timeout=60)
    assert answer.status_code in (400, 401, 403, 500) and not any(c.name == "jupyterhub-hub-login" for c in session.cookies)
    assert LaunchStore.in_course(course.root).launches() == before
