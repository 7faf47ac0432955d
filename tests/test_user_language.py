"""A hub user's language: from their own JupyterLab choice, their LTI launch or the hub's settings,
applied to JupyterLab's settings in their home and to the course's messages."""

from __future__ import annotations

import json
import os

import pytest

from autograder.hub import HubSettings
from autograder.user_language import (LAB_SETTINGS, UserLanguages, apply, choose, lab_language,
                                      language_of_locale, parse_setting)


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh_CN"), ("zh_CN", "zh_CN"), ("zh-Hans-CN", "zh_CN"), ("zh", "zh_CN"),
                                          ("en-GB", "en"), ("en", "en"), ("de-DE", None), ("zh-TW", None), ("", None), (None, None)])
def test_an_lms_locale_maps_to_a_course_language_or_to_none(locale, lang):
    assert language_of_locale(locale) == lang


def test_the_users_own_choice_wins_then_the_launch_then_the_hubs_setting(tmp_path):
    assert choose(tmp_path, None, None) == "en"
    assert choose(tmp_path, None, "zh_CN") == "zh_CN"
    assert choose(tmp_path, "en", "zh_CN") == "en"
    apply(tmp_path, "zh_CN")
    assert json.loads((tmp_path / LAB_SETTINGS).read_text()) == {"locale": "zh_CN"}
    (tmp_path / LAB_SETTINGS).write_text('{\n    // chosen in JupyterLab\n    "locale": "en"\n}\n')
    assert lab_language(tmp_path) == "en" and choose(tmp_path, "zh_CN", "zh_CN") == "en"
    apply(tmp_path, "zh_CN")  # never overwrites what the user chose
    assert lab_language(tmp_path) == "en"


@pytest.mark.skipif(os.geteuid() != 0, reason="starting a server as another user needs root")
def test_the_settings_belong_to_the_user_whose_server_changes_them():
    # The server writes them at its start, as the user (autograder/singleuser.py).
    import pwd
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from autograder.hub import users_python

    nobody = pwd.getpwnam("nobody")
    top = Path(tempfile.mkdtemp(prefix="keras-course-home-"))
    home = top / "nobody"
    try:
        top.chmod(0o755)
        home.mkdir()
        os.chown(home, nobody.pw_uid, nobody.pw_gid)
        python = users_python(HubSettings.from_env({"KERAS_COURSE_HUB_DIR": str(top / "hub")}))
        started = subprocess.run([str(python), "-c", "from autograder.user_language import apply_at_server_start;"
                                  "print(apply_at_server_start())"], user=nobody.pw_uid, group=nobody.pw_gid,
                                 env={"HOME": str(home), "KERAS_COURSE_LANG": "zh_CN"}, cwd="/",
                                 capture_output=True, text=True)
        assert started.stdout.strip() == "zh_CN", started.stderr
        for path in [home / ".jupyter", home / LAB_SETTINGS]:
            assert path.stat().st_uid == nobody.pw_uid
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_launched_languages_are_kept_per_user(tmp_path):
    store = UserLanguages(tmp_path / "languages.json")
    assert store.get("ann") is None
    store.set("ann", "zh_CN")
    store.set("bob", "en")
    store.set("ann", "en")
    assert (store.get("ann"), store.get("bob")) == ("en", "en")
    (tmp_path / "languages.json").write_text("{broken")
    assert store.get("ann") is None  # a damaged file: English until the next launch rewrites it
    store.set("ann", "zh_CN")
    assert store.get("ann") == "zh_CN"


def test_the_demo_has_one_student_working_in_chinese_and_a_bad_setting_is_named():
    assert HubSettings.from_env({}).user_languages == {"student3": "zh_CN"}
    assert HubSettings.from_env({"KERAS_COURSE_USER_LANGUAGES": ""}).user_languages == {}
    assert parse_setting("ann=en, bo=zh_CN") == {"ann": "en", "bo": "zh_CN"}
    with pytest.raises(Exception, match="name=en or name=zh_CN"):
        HubSettings.from_env({"KERAS_COURSE_USER_LANGUAGES": "ann=fr"})


def test_the_server_applies_the_hubs_language_unless_the_user_chose_one(tmp_path):
    from autograder.user_language import apply_at_server_start

    env = {"HOME": str(tmp_path), "KERAS_COURSE_LANG": "zh_CN"}
    assert apply_at_server_start(env) == "zh_CN" and lab_language(tmp_path) == "zh_CN"
    (tmp_path / LAB_SETTINGS).write_text('{"locale": "en"}')  # later, the user picks English in JupyterLab
    env = {"HOME": str(tmp_path), "KERAS_COURSE_LANG": "zh_CN"}
    assert apply_at_server_start(env) == "en" and env["KERAS_COURSE_LANG"] == "en"  # the checks follow them
    other = tmp_path / "other"
    other.mkdir()
    env = {"HOME": str(other), "KERAS_COURSE_LANG": "fr"}
    assert apply_at_server_start(env) == "en" and not (other / LAB_SETTINGS).exists()


def test_the_docker_profile_passes_the_language_and_starts_the_courses_server(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from test_deploy import load_hub_config

    config = load_hub_config("docker", tmp_path, monkeypatch)
    assert config.DockerSpawner.cmd == ["python", "-m", "autograder.singleuser"]
    spawner = SimpleNamespace(user=SimpleNamespace(name="student3"), environment={"CHOWN_HOME": "yes"})
    config.DockerSpawner.pre_spawn_hook(spawner)
    assert spawner.environment == {"CHOWN_HOME": "yes", "KERAS_COURSE_LANG": "zh_CN"}  # the demo's setting
