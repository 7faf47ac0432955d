"""The local profile: a hub on 127.0.0.1 for a demo, a workshop or the tests.

Run by hub_config/jupyterhub_config.py, which gives this file ``c`` and ``settings``;
`keras-course hub` (`make start`) first releases the course to the exchange and makes the
demo accounts (autograder/hub.py).

As root, every user's server runs as a system user of their name (created by `keras-course hub`),
so nbgrader's exchange keeps students' submissions apart. Otherwise every server runs as whoever
started the hub, each in its own folder: fine for a demo, but students could read each other's work.
Either way a user's home is <hub dir>/home/<name>, so a hub never touches /home.
"""

import os
import sys

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from traitlets import Unicode

from autograder import user_language
from autograder.hub import ensure_system_user, make_home, running_as_root, users_python, users_server_environment

HOMES = str(settings.homes)  # noqa: F821


class CourseUserSpawner(LocalProcessSpawner):
    """LocalProcessSpawner (a server per system user) with the user's home in the hub's folder."""

    home_dir_template = Unicode(HOMES + "/{username}", config=True)

    def user_home(self) -> str:
        return self.home_dir_template.format(username=self.user.name)

    def user_env(self, env):
        env = super().user_env(env)
        env["HOME"] = self.user_home()
        return env

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        home = self.user_home()

        def preexec():  # nbgrader's assignment list fetches into the server's working folder
            become_user()
            os.chdir(home)

        return preexec


def make_user_home(spawner):
    """Before each start: the system user (root only; a user from LTI or OAuth may be new), home,
    and language (autograder/user_language.py; the server applies it, as the user)."""
    name = spawner.user.name
    if running_as_root():
        ensure_system_user(name)
    make_home(settings, name)  # noqa: F821
    user_language.pass_to_server(spawner, settings)  # noqa: F821


c.JupyterHub.ip = "127.0.0.1"
python = users_python(settings) if running_as_root() else sys.executable  # noqa: F821
# jupyterhub-singleuser without JupyterLab's Node.js call at every start (autograder/singleuser.py)
c.Spawner.cmd = [str(python), "-m", "autograder.singleuser"]
if running_as_root():
    c.JupyterHub.spawner_class = CourseUserSpawner
    c.Spawner.environment.update(users_server_environment(settings, python))  # noqa: F821
else:
    c.JupyterHub.spawner_class = SimpleLocalProcessSpawner
    c.SimpleLocalProcessSpawner.home_dir_template = HOMES + "/{username}"
c.Spawner.notebook_dir = HOMES + "/{username}"
c.Spawner.pre_spawn_hook = make_user_home
