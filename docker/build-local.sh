#!/usr/bin/env bash
# Build the course's images on a machine that reaches Debian's and PyPI's registries but no image
# registry (quay.io, Docker Hub): the same Dockerfiles as production, on a base made here.
#
#   docker/build-local.sh                 # hub, grader, student-cpu (default)
#   docker/build-local.sh student-gpu     # or any list of: hub grader student-cpu student-gpu
#
# 1. keras-course/debian:bookworm: `debootstrap --variant=minbase bookworm` piped into `docker import`
#    (once; debootstrap is installed when missing and this runs as root).
# 2. keras-course/local-base:bookworm: docker/local-base.Dockerfile, a stand-in for docker-stacks.
# 3. course/release/ (`keras-course release --lang all`), which the student images copy.
# 4. Each image with --build-arg BASE_IMAGE=keras-course/local-base:bookworm, tagged with its
#    production name (keras-course/hub:0.1.0 ...) and labelled org.keras-course.base=local.
#
# CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt): this machine's CA bundle, lent to pip as a
# BuildKit secret for the build only, never written into an image (where a proxy re-signs PyPI's
# certificates, pip in a container needs it). CA_BUNDLE= (empty) lends none.
# Cached: the Debian image and the base are built once; each image's requirements are a layer of
# their own, so a rebuild, or a change to the course's code, takes seconds. (pip's HTTP cache cannot
# help across images here: the index's files come without cache headers, so pip stores none.) The student images' MNIST and ImageNet weights are fetched when the
# build can reach them, else listed in /opt/keras/MISSING (ASSETS=required makes that an error).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_IMAGE=keras-course/debian:bookworm
LOCAL_BASE=keras-course/local-base:bookworm
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CA_BUNDLE=${CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}
ASSETS=${ASSETS:-optional}
KERAS_COURSE=${KERAS_COURSE:-$(command -v keras-course || echo "${PWD}/.venv/bin/keras-course")}
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(hub grader student-cpu)

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'build-local.sh: %s\n' "$*" >&2; exit 1; }

# BuildKit (cache and secret mounts) needs buildx with Docker 23 and later; Debian's docker.io
# (20.10) client still builds with BuildKit on its own.
docker_build() {
    if docker buildx version >/dev/null 2>&1; then
        docker build "$@"
    elif [ -x /usr/bin/docker ] && /usr/bin/docker version --format '{{.Client.Version}}' 2>/dev/null | grep -q '^2[0-2]\.'; then
        DOCKER_BUILDKIT=1 /usr/bin/docker build "$@"
    else
        die "BuildKit is needed: install docker-buildx (or Debian's docker.io client)"
    fi
}

docker info >/dev/null 2>&1 || die "no Docker engine answers (start dockerd, or see README, Deployment)"

if ! docker image inspect "${DEBIAN_IMAGE}" >/dev/null 2>&1; then
    say "Debian ${SUITE} (minbase) from ${MIRROR}"
    if ! command -v debootstrap >/dev/null; then
        [ "$(id -u)" = 0 ] || die "debootstrap is missing (apt-get install debootstrap, as root)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    rootfs=$(mktemp -d /var/tmp/keras-course-rootfs.XXXXXX)
    trap 'rm -rf "${rootfs}"' EXIT
    debootstrap --variant=minbase "${SUITE}" "${rootfs}" "${MIRROR}" >/dev/null
    tar -C "${rootfs}" -c . | docker import --change 'CMD ["/bin/bash"]' - "${DEBIAN_IMAGE}" >/dev/null
    rm -rf "${rootfs}"
    trap - EXIT
fi

say "${LOCAL_BASE}"
docker_build --quiet -f docker/local-base.Dockerfile --build-arg "DEBIAN_IMAGE=${DEBIAN_IMAGE}" \
    -t "${LOCAL_BASE}" . >/dev/null

# The release again only when a notebook, a translation or the manifest changed since the last one
# (nbgrader takes a minute and a half for the fourteen assignments).
stamp=course/release/.released-by-build-local
if [[ " ${IMAGES[*]} " == *" student-"* ]] && { [ ! -e "${stamp}" ] || \
        [ -n "$(find source translations course/course.toml course/nbgrader_config.py -newer "${stamp}" -print -quit)" ]; }; then
    say "course/release (keras-course release --lang all)"
    (cd course && "${KERAS_COURSE}" release --lang all >/dev/null)
    touch "${stamp}"
fi

common=(--build-arg "BASE_IMAGE=${LOCAL_BASE}" --label org.keras-course.base=local)
if [ -n "${CA_BUNDLE}" ]; then
    [ -r "${CA_BUNDLE}" ] || die "CA_BUNDLE=${CA_BUNDLE} cannot be read (CA_BUNDLE= lends none)"
    common+=(--secret "id=ca-bundle,src=${CA_BUNDLE}" --build-arg PIP_CERT=/run/secrets/ca-bundle)
fi

for image in "${IMAGES[@]}"; do
    case "${image}" in
        hub) args=(-f docker/hub.Dockerfile) ;;
        grader) args=(-f docker/grader.Dockerfile) ;;
        student-cpu) args=(-f docker/student.Dockerfile --build-arg REQUIREMENTS=requirements.txt
                           --build-arg "ASSETS=${ASSETS}") ;;
        student-gpu) args=(-f docker/student.Dockerfile --build-arg "ASSETS=${ASSETS}") ;;
        *) die "unknown image ${image} (hub, grader, student-cpu, student-gpu)" ;;
    esac
    say "keras-course/${image}:0.1.0"
    start=${SECONDS}
    docker_build "${common[@]}" "${args[@]}" -t "keras-course/${image}:0.1.0" .
    echo "keras-course/${image}:0.1.0 built in $((SECONDS - start)) s" >&2
done

say "sizes"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep '^keras-course/' | sort >&2
