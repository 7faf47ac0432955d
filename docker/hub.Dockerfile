# The hub: JupyterHub with DockerSpawner and KubeSpawner, the course's logins, and nbgrader's
# formgrader, which runs inside this container as a hub service. Build context: the repository
# root. The proxy is a container of its own (docker/compose.yaml).
# BASE_IMAGE: docker-stacks' foundation; docker/build-local.sh passes a Debian stand-in instead.
# PIP_CERT and the ca-bundle secret: a CA bundle for pip at build time only (build-local.sh), never
# stored in the image.
ARG BASE_IMAGE=quay.io/jupyter/docker-stacks-foundation:2026-08-07
FROM ${BASE_IMAGE}

ENV KERAS_COURSE_HUB=docker \
    KERAS_COURSE_HUB_DIR=/srv/jupyterhub \
    KERAS_COURSE_EXCHANGE=/srv/nbgrader/exchange

USER 0
WORKDIR /tmp/build
ARG PIP_CERT
# The pinned requirements first, in a layer of their own: a change to the course's code reinstalls
# only the package, not TensorFlow. rfc3987-syntax goes: 2 CPU-s of imports at every start (Makefile).
COPY requirements.txt requirements-course.txt requirements-hub.txt docker/hub-requirements.txt ./
RUN --mount=type=secret,id=ca-bundle \
    pip install --no-cache-dir -r requirements.txt -r hub-requirements.txt \
    && pip uninstall --yes rfc3987-syntax
COPY pyproject.toml ./
COPY autograder/ autograder/
COPY docker/package-readme.md README.md
RUN --mount=type=secret,id=ca-bundle \
    pip install --no-cache-dir --no-deps . \
    && rm -rf /tmp/build
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
