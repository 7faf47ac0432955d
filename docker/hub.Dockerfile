# syntax=docker/dockerfile:1
# The hub: JupyterHub with DockerSpawner and KubeSpawner, the course's logins, and nbgrader's
# formgrader, which runs inside this container as a hub service. Build context: the repository
# root. The proxy is a container of its own (docker/compose.yaml).
FROM quay.io/jupyter/docker-stacks-foundation:2026-08-07

ENV PIP_NO_CACHE_DIR=1 \
    KERAS_COURSE_HUB=docker \
    KERAS_COURSE_HUB_DIR=/srv/jupyterhub \
    KERAS_COURSE_EXCHANGE=/srv/nbgrader/exchange

USER 0
WORKDIR /tmp/build
COPY requirements.txt requirements-course.txt requirements-hub.txt pyproject.toml docker/hub-requirements.txt ./
COPY autograder/ autograder/
COPY docker/package-readme.md README.md
RUN pip install --no-cache-dir -r requirements.txt -r hub-requirements.txt . \
    && pip uninstall --yes rfc3987-syntax \
    && rm -rf /tmp/build  # rfc3987-syntax: 2 CPU-s of imports at every start, see the Makefile
COPY hub_config/ /srv/hub_config/

# The exchange's mount point: a new named volume copies this mode (writable by all, sticky).
RUN mkdir -p /srv/jupyterhub /srv/nbgrader/exchange \
    && chown "${NB_UID}:${NB_GID}" /srv/jupyterhub \
    && chmod 1777 /srv/nbgrader/exchange

WORKDIR /srv/jupyterhub
USER 1000
EXPOSE 8001
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8001/hub/health', timeout=4)"]
CMD ["jupyterhub", "-f", "/srv/hub_config/jupyterhub_config.py"]
