"""hub_config/jupyterhub_config.py as JupyterHub's own config loader reads it, for each profile and
each login: roles, groups, services, and the authenticators an instructor switches on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from jupyterhub.app import JupyterHub

from autograder.hub import HUB_CONFIG, HubSettings

LTI_ENV = {
    "KERAS_COURSE_LTI_ISSUER": "https://lms.example.edu",
    "KERAS_COURSE_LTI_CLIENT_ID": "course-tool-1",
    "KERAS_COURSE_LTI_AUTHORIZE_URL": "https://lms.example.edu/api/lti/authorize_redirect",
    "KERAS_COURSE_LTI_JWKS_ENDPOINT": "https://lms.example.edu/api/lti/security/jwks",
}
OAUTH_ENV = {
    "KERAS_COURSE_OAUTH_CLIENT_ID": "keras-course",
    "KERAS_COURSE_OAUTH_CLIENT_SECRET": "s3cret",
    "KERAS_COURSE_OAUTH_AUTHORIZE_URL": "https://login.example.edu/oauth2/authorize",
    "KERAS_COURSE_OAUTH_TOKEN_URL": "https://login.example.edu/oauth2/token",
    "KERAS_COURSE_OAUTH_USERDATA_URL": "https://login.example.edu/oauth2/userinfo",
    "KERAS_COURSE_OAUTH_CALLBACK_URL": "https://hub.example.edu/hub/oauth_callback",
}
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


@pytest.fixture
def load_hub_config(tmp_path, monkeypatch):
    """Load the config file with these settings, as `jupyterhub -f` does; returns the app."""
    def load(**env):
        monkeypatch.setenv("KERAS_COURSE_HUB_DIR", str(tmp_path / "hub"))
        monkeypatch.setenv("HUB_PORT", "18500")
        for name in ("KERAS_COURSE_HUB", "KERAS_COURSE_LOGIN", *LTI_ENV, *OAUTH_ENV):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        app = JupyterHub()
        app.load_config_file(str(HUB_CONFIG))
        return app
    return load


def role(app, name):
    return next(r for r in app.config.JupyterHub.load_roles if r["name"] == name)


def test_the_local_profile_is_the_default(load_hub_config):
    app = load_hub_config()
    config = app.config
    assert config.JupyterHub.port == 18500 and config.JupyterHub.ip == "127.0.0.1"
    assert config.JupyterHub.spawner_class.__name__ in ("CourseUserSpawner", "SimpleLocalProcessSpawner")
    assert config.JupyterHub.authenticator_class.__name__ == "DemoAuthenticator"
    assert set(config.DemoAuthenticator.passwords) == {"instructor", "student1", "student2", "student3"}
    assert config.JupyterHub.load_groups["instructors"]["users"] == ["instructor"]


def test_only_instructors_hold_the_formgrader_admin_and_servers_scopes(load_hub_config):
    app = load_hub_config()
    instructor = role(app, "instructor")
    assert instructor["groups"] == ["instructors"]
    for scope in ("access:services!service=keras-course", "admin-ui", "access:servers", "admin:servers"):
        assert scope in instructor["scopes"]
    # students are given no role: JupyterHub's default "user" role reaches their own server only
    assert not any("students" in r.get("groups", []) for r in app.config.JupyterHub.load_roles)


def test_the_formgrader_and_the_idle_culler_are_hub_services(load_hub_config):
    app = load_hub_config()
    services = {s["name"]: s for s in app.config.JupyterHub.services}
    formgrader = services["keras-course"]
    assert formgrader["url"] == "http://127.0.0.1:18503"
    assert "--ServerApp.default_url=/formgrader" in formgrader["command"]
    assert "jupyterhub_idle_culler" in services["idle-culler"]["command"]
    assert "delete:servers" in role(app, "idle-culler")["scopes"]


def test_the_k8s_profile_loads_the_common_part_only(load_hub_config):
    app = load_hub_config(KERAS_COURSE_HUB="k8s")
    assert "spawner_class" not in app.config.JupyterHub  # the chart's KubeSpawner
    assert role(app, "instructor")["groups"] == ["instructors"]


def test_the_k8s_profile_passes_each_users_language_to_their_server(tmp_path, monkeypatch):
    """hub_config/k8s/values.yaml, as the chart runs its hub.extraConfig: KubeSpawner's
    pre_spawn_hook puts the user's language in their server's environment (their LTI launch's,
    else KERAS_COURSE_USER_LANGUAGES, else English), as the docker profile's hook does,
    and the server starts through autograder.singleuser, which hands it to JupyterLab. The values,
    merged with the chart's defaults, still match the chart's schema."""
    from types import SimpleNamespace

    from test_deploy import SCHEMAS, VALUES, deep_merge, read_yaml, run_extra_config

    from autograder.user_language import UserLanguages

    monkeypatch.setenv("KERAS_COURSE_USER_LANGUAGES", "student3=zh_CN,student1=en")
    config = run_extra_config(tmp_path, monkeypatch)
    hook = config.KubeSpawner.pre_spawn_hook
    UserLanguages(HubSettings.from_env().launched_languages).set("ann", "zh_CN")  # her LMS speaks Chinese

    def language(name: str) -> dict:
        spawner = SimpleNamespace(user=SimpleNamespace(name=name, id=7), environment={"OTHER": "kept"})
        hook(spawner)
        return spawner.environment

    assert language("ann") == {"OTHER": "kept", "KERAS_COURSE_LANG": "zh_CN"}
    assert language("student3")["KERAS_COURSE_LANG"] == "zh_CN"
    assert language("student1")["KERAS_COURSE_LANG"] == language("bob")["KERAS_COURSE_LANG"] == "en"
    values = read_yaml(VALUES)
    assert values["singleuser"]["cmd"] == ["python", "-m", "autograder.singleuser"]
    if SCHEMAS.is_dir():
        import jsonschema

        jsonschema.validate(deep_merge(read_yaml(SCHEMAS / "z2jh" / "values.yaml"), values),
                            read_yaml(SCHEMAS / "z2jh" / "values.schema.yaml"))


def test_an_unknown_profile_or_login_is_named(load_hub_config):
    from autograder.course import CourseError

    with pytest.raises(CourseError, match="local, docker, k8s"):
        HubSettings.from_env({"KERAS_COURSE_HUB": "cloud"})
    with pytest.raises(CourseError, match="demo, lti13, oauth"):
        HubSettings.from_env({"KERAS_COURSE_LOGIN": "ldap"})


# -- the demo login -------------------------------------------------------------------------------

def test_the_demo_login_takes_each_accounts_own_password_only(load_hub_config):
    app = load_hub_config()
    authenticator = app.config.JupyterHub.authenticator_class(config=app.config)
    password = app.config.DemoAuthenticator.passwords["student1"]
    login = lambda name, secret: asyncio.run(authenticator.authenticate(None, {"username": name, "password": secret}))
    assert login("student1", password) == "student1"
    assert login("student1", password + "x") is None
    assert login("student2", password) is None or password == app.config.DemoAuthenticator.passwords["student2"]
    assert login("mallory", password) is None


# -- LTI 1.3 --------------------------------------------------------------------------------------

def test_lti13_needs_its_settings_and_names_the_missing_ones(load_hub_config):
    without_jwks = {k: v for k, v in LTI_ENV.items() if "JWKS" not in k}
    with pytest.raises(Exception, match="needs KERAS_COURSE_LTI_JWKS_ENDPOINT") as raised:
        load_hub_config(KERAS_COURSE_LOGIN="lti13", **without_jwks)
    assert type(raised.value).__name__ == "LoginSettingsError"  # hub_config/auth.py's, loaded by the config


def test_lti13_login_puts_instructors_and_learners_in_their_groups(load_hub_config):
    app = load_hub_config(KERAS_COURSE_LOGIN="lti13", **LTI_ENV)
    authenticator = app.config.JupyterHub.authenticator_class(config=app.config)
    assert authenticator.issuer == LTI_ENV["KERAS_COURSE_LTI_ISSUER"]
    assert authenticator.client_id == {"course-tool-1"}
    assert authenticator.manage_groups and authenticator.allow_all
    launch = lambda roles: asyncio.run(authenticator.authenticate(None, {
        "sub": "u-42", "https://purl.imsglobal.org/spec/lti/claim/roles": roles}))
    assert launch([LIS + "Instructor"]) ["groups"] == ["instructors"]
    assert launch([LIS + "Learner"])["groups"] == ["students"]
    assert launch([LIS + "Learner"])["name"] == "u-42"
    assert authenticator.login_url("/hub/").endswith("lti13/oauth_login")


def test_a_students_lti_launch_keeps_where_their_grades_go_and_an_instructors_does_not(load_hub_config, tmp_path):
    from autograder.instructor.lms_launches import AGS_CLAIM, CONTEXT_CLAIM, LaunchStore

    app = load_hub_config(KERAS_COURSE_LOGIN="lti13", **LTI_ENV)
    authenticator = app.config.JupyterHub.authenticator_class(config=app.config)
    assert authenticator.launches_file.endswith("course/lms_launches.json")  # beside the gradebook
    authenticator.launches_file = str(tmp_path / "launches.json")
    assert authenticator.languages_file.endswith("user_languages.json")
    authenticator.languages_file = str(tmp_path / "languages.json")
    ags = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
           "lineitems": "https://lms.example.edu/api/lti/courses/7/line_items"}
    claims = lambda sub, role: {"sub": sub, "iss": LTI_ENV["KERAS_COURSE_LTI_ISSUER"], "aud": "course-tool-1",
                                "https://purl.imsglobal.org/spec/lti/claim/roles": [LIS + role],
                                CONTEXT_CLAIM: {"id": "7", "title": "DL"}, AGS_CLAIM: ags}
    asyncio.run(authenticator.authenticate(None, {**claims("u-42", "Learner"), "locale": "zh-CN"}))
    asyncio.run(authenticator.authenticate(None, claims("u-1", "Instructor")))
    asyncio.run(authenticator.authenticate(None, {**claims("u-43", "Learner"), AGS_CLAIM: {}}))
    kept = LaunchStore(tmp_path / "launches.json").launches()
    assert [(k.hub_user, k.lms_user, k.client_id, k.context_id, k.lineitems) for k in kept] == [
        ("u-42", "u-42", "course-tool-1", "7", ags["lineitems"])]
    from autograder.user_language import UserLanguages

    languages = UserLanguages(tmp_path / "languages.json")
    assert languages.get("u-42") == "zh_CN" and languages.get("u-1") is None  # the LMS's locale claim


# -- generic OAuth --------------------------------------------------------------------------------

def test_oauth_login_uses_the_providers_groups(load_hub_config):
    app = load_hub_config(KERAS_COURSE_LOGIN="oauth", **OAUTH_ENV)
    from oauthenticator.generic import GenericOAuthenticator

    authenticator = GenericOAuthenticator(config=app.config)
    assert authenticator.token_url == OAUTH_ENV["KERAS_COURSE_OAUTH_TOKEN_URL"]
    assert authenticator.manage_groups
    assert authenticator.allowed_groups == {"instructors", "students"}
    auth_state = {"oauth_user": {"preferred_username": "ada", "groups": ["instructors", "staff"]}}
    assert asyncio.run(authenticator.get_user_groups(auth_state)) == {"instructors", "staff"}
    member = {"name": "ada", "admin": False, "auth_state": auth_state, "groups": ["instructors", "staff"]}
    assert asyncio.run(authenticator.check_allowed("ada", member))
    stranger = {"name": "eve", "admin": False, "groups": ["visitors"],
                "auth_state": {"oauth_user": {"preferred_username": "eve", "groups": ["visitors"]}}}
    assert not asyncio.run(authenticator.check_allowed("eve", stranger))
    # the provider decides the groups: JupyterHub refuses to start with load_groups set as well
    assert "load_groups" not in app.config.JupyterHub


def test_users_servers_start_without_asking_node_for_yarns_registry(load_hub_config, tmp_path):
    """JupyterLab's import runs `node yarn.js config` when node is on PATH (0.6 CPU-s a start);
    the local profile's server command imports it with node out of PATH, then restores PATH."""
    assert load_hub_config().config.Spawner.cmd[-2:] == ["-m", "autograder.singleuser"]
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "node").write_text(f"#!/bin/sh\necho called >> {tmp_path / 'calls'}\n")
    (fake / "node").chmod(0o755)
    path = f"{fake}{os.pathsep}{os.environ['PATH']}"
    probe = ("import os; from autograder.singleuser import import_jupyterlab_without_node as i; "
             "before = os.environ['PATH']; i(); assert os.environ['PATH'] == before")
    for code, called in ((probe, False), ("import jupyterlab.labapp", True)):
        subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PATH=path), check=True)
        assert (tmp_path / "calls").exists() == called, code  # the second shows the probe can see a call
