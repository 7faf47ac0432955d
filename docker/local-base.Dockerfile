# A stand-in for Jupyter's docker-stacks bases, made from Debian's own packages, for machines that
# cannot pull from quay.io (docker/build-local.sh builds it, then every image of docker/ on it with
# --build-arg BASE_IMAGE=keras-course/local-base:bookworm). It keeps the contract the course's
# Dockerfiles and DockerSpawner rely on, nothing more:
#   - `python` and `pip` on PATH (a venv of Debian's Python 3.11 at /opt/venv, written by root);
#   - the user jovyan (uid 1000, group users 100) and NB_USER / NB_UID / NB_GID;
#   - an entrypoint that, started as root, becomes NB_USER with uid NB_UID (start.sh);
#   - /etc/jupyter/docker_healthcheck.py, the student image's probe;
#   - unshare and useradd, which the grader's sandbox uses.
# Build context: the repository root. DEBIAN_IMAGE: `debootstrap --variant=minbase bookworm` piped
# into `docker import` (build-local.sh), so no image registry is needed at all.
ARG DEBIAN_IMAGE=keras-course/debian:bookworm
FROM ${DEBIAN_IMAGE}

ENV NB_USER=jovyan \
    NB_UID=1000 \
    NB_GID=100 \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    SHELL=/bin/bash

USER 0
# ca-certificates: Debian's public roots, for a student's own downloads at run time.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       python3=3.11.* python3-venv=3.11.* tini=0.19.* ca-certificates=* \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv \
    && useradd --create-home --uid "${NB_UID}" --gid "${NB_GID}" --shell /bin/bash "${NB_USER}" \
    && mkdir -p /etc/jupyter

COPY docker/local-base/start.sh /usr/local/bin/start.sh
COPY docker/local-base/docker_healthcheck.py /etc/jupyter/docker_healthcheck.py

WORKDIR /home/jovyan
USER 1000
HEALTHCHECK --interval=60s --timeout=10s --retries=1 CMD ["python", "--version"]
ENTRYPOINT ["tini", "-g", "--", "start.sh"]
CMD ["bash"]
