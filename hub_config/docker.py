"""The docker profile: one GPU machine, the hub and the proxy in containers (docker/compose.yaml),
each user's server in a container of its own.

Run by hub_config/jupyterhub_config.py, which gives this file ``c``, ``settings`` and
``course``. Compose names the network and the volumes below; a user's server gets:

- the student image (GPU by default; KERAS_COURSE_STUDENT_IMAGE=keras-course/student-cpu:0.1.0
  on a machine without one), every GPU of the machine unless KERAS_COURSE_GPUS=none;
- memory and CPU limits (KERAS_COURSE_MEM_LIMIT, default 8G; KERAS_COURSE_CPU_LIMIT, default 4);
- a home volume of their own that outlives the container (<project>-user-<name>);
- the shared nbgrader exchange volume, where each user writes as a uid of their own.

KERAS_COURSE_PROJECT (default keras-course, set by compose) prefixes the network, the volumes and
the users' containers, so that two courses, or two test runs, can share one Docker engine.
"""

import os

from dockerspawner import SystemUserSpawner

from autograder import user_language
from autograder.hub import write_jupyter_config

STUDENT_IMAGE = os.environ.get("KERAS_COURSE_STUDENT_IMAGE", "keras-course/student-gpu:0.1.0")
PROJECT = os.environ.get("KERAS_COURSE_PROJECT", "keras-course")
NETWORK = PROJECT  # docker/compose.yaml creates it under this name
HUB_HOST = "hub"  # the hub's service name in docker/compose.yaml: how containers reach it
PROXY_HOST = "proxy"
EXCHANGE_VOLUME = f"{PROJECT}-exchange"
EXCHANGE = "/srv/nbgrader/exchange"  # where docker/student_nbgrader_config.py looks for it
FIRST_USER_UID = 10000  # above any account of the images (jovyan is 1000)
USERS_GID = 100  # the group "users", as docker-stacks' NB_GID
ALL_GPUS = {"Driver": "nvidia", "Count": -1, "Capabilities": [["gpu"]]}


class CourseSpawner(SystemUserSpawner):
    """SystemUserSpawner without host accounts: users from LTI or OAuth have none.

    nbgrader's exchange keeps submissions apart by file owner, so every user needs a uid of
    their own: 10000 + their id in the hub's database, stable for the life of the hub. The
    docker-stacks start script, started as root, switches to that uid before Jupyter runs.
    """

    def _user_id_default(self):
        return FIRST_USER_UID + self.user.id

    def _group_id_default(self):
        # SystemUserSpawner asks the hub's /etc/passwd, where these users are not (found by the
        # docker test: no server could start).
        return USERS_GID


c.JupyterHub.spawner_class = CourseSpawner  # noqa: F821 (c and settings: see the docstring)
c.SystemUserSpawner.run_as_root = True
c.SystemUserSpawner.host_homedir_format_string = f"{PROJECT}-user-{{username}}"  # a named volume
c.SystemUserSpawner.image_homedir_format_string = "/home/{username}"
c.DockerSpawner.prefix = PROJECT  # containers <project>-<username>
c.DockerSpawner.image = STUDENT_IMAGE
c.DockerSpawner.pull_policy = "ifnotpresent"  # built on this machine, or pulled from a registry
c.DockerSpawner.network_name = NETWORK
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True  # a stopped server's container goes; its home volume stays
c.DockerSpawner.volumes = {EXCHANGE_VOLUME: EXCHANGE}
c.DockerSpawner.mem_limit = os.environ.get("KERAS_COURSE_MEM_LIMIT", "8G")
c.DockerSpawner.cpu_limit = float(os.environ.get("KERAS_COURSE_CPU_LIMIT", "4"))
if os.environ.get("KERAS_COURSE_GPUS", "all") != "none":
    c.DockerSpawner.extra_host_config = {"device_requests": [ALL_GPUS]}

# The image's own Jupyter and nbgrader config, not the hub's venv, PATH or config folder (which
# the common part sets on Spawner; DockerSpawner's settings take precedence).
c.DockerSpawner.cmd = ["python", "-m", "autograder.singleuser"]  # jupyterhub-singleuser, in the user's language
c.DockerSpawner.environment = {"CHOWN_HOME": "yes"}  # a new home volume belongs to its user
c.DockerSpawner.env_keep = [name for name in c.Spawner.env_keep  # noqa: F821
                            if name not in ("PATH", "PYTHONPATH", "CUDA_VISIBLE_DEVICES")]



# The user's language (LTI launch, else KERAS_COURSE_USER_LANGUAGES) into their server's environment.
c.DockerSpawner.pre_spawn_hook = lambda spawner: user_language.pass_to_server(spawner, settings)  # noqa: F821

# The formgrader's config folder, which the common part points the service at (the users' half of
# it is baked into the student image as /etc/jupyter/nbgrader_config.py).
write_jupyter_config(settings, course.id)  # noqa: F821

# The hub listens for the user containers; the proxy is a container of its own.
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_connect_ip = HUB_HOST
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = f"http://{PROXY_HOST}:{settings.proxy_api_port}"  # noqa: F821
# Stopping the hub (docker compose down/stop) stops every user's container: none is left holding a
# GPU or memory with no hub to reach it. Homes are volumes, so no work is lost.
c.JupyterHub.cleanup_servers = True

# The proxy reaches the hub's services by the hub's name, not 127.0.0.1.
for service in c.JupyterHub.services:  # noqa: F821
    if "url" in service:
        service["url"] = service["url"].replace("127.0.0.1", HUB_HOST)
