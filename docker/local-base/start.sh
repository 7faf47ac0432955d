#!/bin/bash
# The local base's entrypoint (docker/local-base.Dockerfile), doing what docker-stacks' start.sh
# does for the course: started as root (DockerSpawner's run_as_root), it makes the account NB_USER
# with uid NB_UID and home /home/NB_USER, gives a new home to its user when CHOWN_HOME=yes, and runs
# the command as that user; started as anyone else, it runs the command as is.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    exec "$@"
fi

NB_USER=${NB_USER:-jovyan}
NB_UID=${NB_UID:-1000}
NB_GID=${NB_GID:-100}
home="/home/${NB_USER}"

if ! getent group "${NB_GID}" >/dev/null; then
    groupadd --gid "${NB_GID}" "${NB_GROUP:-${NB_USER}}"
fi
if existing=$(getent passwd "${NB_UID}" | cut -d: -f1) && [ -n "${existing}" ]; then
    [ "${existing}" = "${NB_USER}" ] || usermod --login "${NB_USER}" --home "${home}" "${existing}"
elif getent passwd "${NB_USER}" >/dev/null; then
    usermod --uid "${NB_UID}" --gid "${NB_GID}" --home "${home}" "${NB_USER}"
else
    useradd --no-create-home --home-dir "${home}" --uid "${NB_UID}" --gid "${NB_GID}" \
            --shell /bin/bash "${NB_USER}"
fi
mkdir -p "${home}"
if [ "${CHOWN_HOME:-no}" = yes ]; then
    chown "${NB_UID}:${NB_GID}" "${home}"
fi

cd "${home}" 2>/dev/null || true
export HOME="${home}" USER="${NB_USER}" LOGNAME="${NB_USER}"
exec setpriv --reuid="${NB_UID}" --regid="${NB_GID}" --init-groups "$@"
