"""The course's JupyterHub configuration: one file, three profiles.

    KERAS_COURSE_HUB=local|docker|k8s   (default local; `keras-course hub` / `make start` run local)

This file sets what every profile shares: the hub's port (HUB_PORT, default 8000) and state
folder, the groups and roles, nbgrader's formgrader as a hub service, the idle culler and the
login (hub_config/auth.py). Then it runs hub_config/<profile>.py, which adds what differs: the
spawner, where the servers listen, where files live. A profile file sees two names: ``c`` (this
config) and ``settings`` (autograder.hub.HubSettings, read from the environment), and may change
anything set here.

k8s: the Zero to JupyterHub chart runs its own jupyterhub_config.py with KubeSpawner;
hub_config/k8s/values.yaml holds its settings. Loaded with KERAS_COURSE_HUB=k8s, this file sets
only the common part below, which is what the chart's hub.extraConfig can run.
"""

import importlib.util
import os
import sys
from pathlib import Path

from autograder.course import load_course
from autograder.hub import HubSettings, demo_accounts, running_as_root
from autograder.instructor.lms_launches import LAUNCHES_FILE

c = get_config()  # noqa: F821 (provided by JupyterHub's config loader)
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the venv that runs the hub runs every server of it

settings = HubSettings.from_env()
course = load_course(settings.course_root)
FORMGRADER = course.id  # the service's name: /services/<course id>/formgrader


def load_module(name: str):
    """A module of this folder by path (hub_config/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"keras_course_hub_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# -- the hub itself --------------------------------------------------------------------------------
c.JupyterHub.port = settings.port
c.JupyterHub.hub_port = settings.hub_api_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.JupyterHub.db_url = f"sqlite:///{settings.hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(settings.hub_dir / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(settings.hub_dir / "jupyterhub-proxy.pid")
# The proxy: npm's configurable-http-proxy where `make` could install it (it streams the spawn
# page's progress events), else its Python port from requirements-hub.txt, which buffers each
# response: it gets a long timeout so the progress stream ends with the server ready, not a 503.
NODE_PROXY = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
if NODE_PROXY.exists():
    c.ConfigurableHTTPProxy.command = [str(NODE_PROXY)]
elif (BIN / "configurable-http-proxy").exists():
    c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy"), "--proxy-timeout=600000"]
c.JupyterHub.cleanup_servers = True  # Ctrl-C stops every user's server too
c.JupyterHub.template_vars = {"announcement_login": course.title}  # the login page names the course

# -- single-user servers: JupyterLab 4 with nbgrader's assignment list -----------------------------
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120  # twenty students starting at once on two cores
c.Spawner.http_timeout = 90
c.Spawner.environment = {"JUPYTER_CONFIG_PATH": str(settings.user_config)}
# KERAS_COURSE_HUB_RUN marks every process of a local hub, so that stopping it leaves none behind.
c.Spawner.env_keep = ["PATH", "PYTHONPATH", "LANG", "LC_ALL", "KERAS_BACKEND", "KERAS_COURSE_DATA",
                      "TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES", "KERAS_COURSE_HUB_RUN"]

# -- groups and roles ------------------------------------------------------------------------------
# Instructors reach the formgrader, the admin page and everyone's servers; students get JupyterHub's
# default "user" role: their own server and nothing else. Who is in which group comes from the
# settings (demo login) or from the LMS / identity provider (lti13, oauth: manage_groups).
# JupyterHub refuses load_groups when the authenticator manages groups; the roles below make the
# two groups then.
if settings.login == "demo":
    c.JupyterHub.load_groups = {"instructors": {"users": list(settings.instructors)},
                                "students": {"users": list(settings.students)}}
c.JupyterHub.load_roles = [
    {
        "name": "instructor",
        "description": "grades the course: formgrader, admin page, students' servers",
        "groups": ["instructors"],
        "scopes": [
            f"access:services!service={FORMGRADER}", "list:services", "read:services",
            "admin-ui", "list:users", "read:users", "admin:users", "admin:servers", "access:servers",
            "list:groups", "read:groups", "read:roles",
        ],
    },
    {
        "name": "idle-culler",
        "description": "stops servers idle for KERAS_COURSE_CULL_IDLE seconds",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    },
]

# -- services: nbgrader's formgrader and the idle culler --------------------------------------------
# The formgrader is a Jupyter server of its own, reached through the hub at /services/<course id>/;
# it runs in the course root as the hub's user, who owns the gradebook.
formgrader_args = [f"--ServerApp.root_dir={settings.course_root}", "--ServerApp.default_url=/formgrader"]
if running_as_root():
    formgrader_args.append("--allow-root")
c.JupyterHub.services = [
    {
        "name": FORMGRADER,
        "display": True,
        "url": f"http://127.0.0.1:{settings.formgrader_port}",
        "command": [str(BIN / "jupyterhub-singleuser"), *formgrader_args],
        "cwd": str(settings.course_root),
        "environment": {"JUPYTER_CONFIG_PATH": str(settings.formgrader_config),
                        "PATH": os.environ.get("PATH", ""),
                        "KERAS_COURSE_HUB_RUN": os.environ.get("KERAS_COURSE_HUB_RUN", "")},
        "oauth_no_confirm": True,
        "timeout": 180,  # a Jupyter server takes a while to start on a busy two-core machine
    },
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={settings.cull_idle}"],
        "environment": {"KERAS_COURSE_HUB_RUN": os.environ.get("KERAS_COURSE_HUB_RUN", "")},
    },
]

# -- login -----------------------------------------------------------------------------------------
auth = load_module("auth")
auth.configure_login(c, settings.login, demo_accounts(settings) if settings.login == "demo" else None,
                     launches_file=str(settings.course_root / LAUNCHES_FILE),
                     languages_file=str(settings.launched_languages))

# -- the profile's own part --------------------------------------------------------------------------
PROFILE_FILES = {"local": HERE / "local.py", "docker": HERE / "docker.py"}
if settings.profile in PROFILE_FILES:
    profile_file = PROFILE_FILES[settings.profile]
    exec(compile(profile_file.read_text(), str(profile_file), "exec"),  # noqa: S102 (our own file)
         {"c": c, "settings": settings, "course": course, "__file__": str(profile_file)})
