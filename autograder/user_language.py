"""A hub user's language: English or Simplified Chinese, for JupyterLab's menus and the course's
messages.

Where it comes from, first found wins: what the user chose last in JupyterLab (Settings >
Language, kept in their home and never overwritten); the locale claim of their LTI launch (the
LMS's language for them, recorded at login); the hub's settings (KERAS_COURSE_USER_LANGUAGES,
e.g. ``student3=zh_CN``, which the demo uses); else English.

Two halves, so that every profile works the same way: the hub puts the launch's or the setting's
language in the server's environment (KERAS_COURSE_LANG; ``hub_language``), and the server, as
the user, at its start (autograder/singleuser.py, ``apply_at_server_start``) writes JupyterLab's
setting into their home if they have none yet and leaves KERAS_COURSE_LANG, which the course's
checks read, at the language JupyterLab shows.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path

LANG_VARIABLE = "KERAS_COURSE_LANG"  # as autograder/i18n/messages.py reads it
LANGUAGES_FILE = "user_languages.json"  # in the hub's folder: user -> language, from LTI launches
LAB_SETTINGS = Path(".jupyter/lab/user-settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings")
LAB_LOCALES = {"en": "en", "zh_CN": "zh_CN"}  # the course's language -> JupyterLab's language pack


def language_of_locale(locale: str | None) -> str | None:
    """The course language for a BCP 47 or POSIX locale (``zh-CN``, ``zh_Hans``, ``en-GB``); None if none fits."""
    if not locale:
        return None
    tag = locale.replace("-", "_").lower()
    if tag == "zh" or tag.startswith(("zh_cn", "zh_hans", "zh_sg")):
        return "zh_CN"
    if tag == "en" or tag.startswith("en_"):
        return "en"
    return None


def parse_setting(value: str) -> dict[str, str]:
    """KERAS_COURSE_USER_LANGUAGES: ``name=lang`` pairs, comma-separated."""
    pairs = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, _, lang = item.partition("=")
        if lang not in LAB_LOCALES:
            raise ValueError(f"KERAS_COURSE_USER_LANGUAGES: {item!r} should be name=en or name=zh_CN")
        pairs[name.strip()] = lang
    return pairs


class UserLanguages:
    """The languages LTI launches gave: a JSON file, written under a lock, replaced whole."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def get(self, user: str) -> str | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8")).get(user)
        except (FileNotFoundError, ValueError):
            return None

    def set(self, user: str, lang: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                known = json.loads(self.path.read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                known = {}
            if known.get(user) == lang:
                return
            known[user] = lang
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(known, out, indent=1, sort_keys=True)
            os.replace(temporary, self.path)


def lab_language(home: Path) -> str | None:
    """The language the user chose in JupyterLab, if they ever did."""
    try:
        text = (home / LAB_SETTINGS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]  # JSON5 comments
    try:
        locale = json.loads("\n".join(lines)).get("locale")
    except ValueError:
        return None
    return next((lang for lang, lab in LAB_LOCALES.items() if lab == locale), None)


def hub_language(launched: str | None, configured: str | None) -> str:
    """What the hub passes to a server: the launch's language, else the hub's setting, else English."""
    return launched or configured or "en"


def pass_to_server(spawner, settings) -> None:
    """In a spawner's pre_spawn_hook (every profile): the user's language, from their LTI launch
    (``settings.launched_languages``) else the hub's setting, into their server's environment."""
    name = spawner.user.name
    launched = UserLanguages(settings.launched_languages).get(name)
    lang = hub_language(launched, settings.user_languages.get(name))
    spawner.environment = {**spawner.environment, LANG_VARIABLE: lang}


def choose(home: Path, launched: str | None, configured: str | None) -> str:
    return lab_language(home) or hub_language(launched, configured)


def apply_at_server_start(environ=None, home: Path | None = None) -> str:
    """In the user's server, as the user: JupyterLab's language where they chose none, and
    KERAS_COURSE_LANG set to what JupyterLab shows. Returns the language."""
    env = os.environ if environ is None else environ
    home = home or Path(env.get("HOME") or Path.home())
    wanted = env.get(LANG_VARIABLE)
    lang = choose(home, wanted if wanted in LAB_LOCALES else None, None)
    if wanted in LAB_LOCALES:
        try:
            apply(home, wanted)
        except OSError:  # a home the server cannot write: the hub's language still reaches the checks
            pass
    env[LANG_VARIABLE] = lang
    return lang


def apply(home: Path, lang: str) -> None:
    """JupyterLab's language for the user, where they have not chosen one themselves. Run by their
    own server (apply_at_server_start), so the file is theirs to change."""
    path = home / LAB_SETTINGS
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"locale": LAB_LOCALES[lang]}, indent=4) + "\n", encoding="utf-8")
