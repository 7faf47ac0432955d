# Student servers, GPU and CPU from one recipe. Build context: the repository root, after
# `keras-course release` has written course/release/ (see README, "Deployment").
#   GPU (default): the Jupyter CUDA image, date-pinned, with TensorFlow's CUDA wheels;
#   CPU: --build-arg BASE_IMAGE=quay.io/jupyter/base-notebook:2026-08-07
#        --build-arg REQUIREMENTS=requirements.txt
#   docker/build-local.sh: a Debian stand-in for the base (docker/local-base.Dockerfile).
# PIP_CERT and the ca-bundle secret: as in hub.Dockerfile. ASSETS=optional (build-local.sh, on a
# machine that cannot download them) lets the build go on without MNIST or the weights, and
# records what is missing in $KERAS_HOME/MISSING.
ARG BASE_IMAGE=quay.io/jupyter/tensorflow-notebook:cuda-2026-08-07
FROM ${BASE_IMAGE}

ARG REQUIREMENTS=requirements-gpu.txt
# Read-only course material and a shared Keras cache outside $HOME: the hub mounts a volume
# over /home/jovyan, which would hide anything baked in there.
ENV COURSE_DIR=/srv/course \
    KERAS_HOME=/opt/keras

USER 0
WORKDIR /tmp/build
ARG PIP_CERT
# Requirements, then the package (see hub.Dockerfile): jupyterhub-singleuser at the hub's version;
# nbgrader brings its lab extensions, of which students keep the assignment list and validation
# (the formgrader is the hub's service). rfc3987-syntax goes: jsonschema imports it when present
# and it costs 2 CPU-s at every server start.
COPY requirements.txt requirements-course.txt requirements-gpu.txt requirements-hub.txt ./
RUN --mount=type=secret,id=ca-bundle \
    pip install --no-cache-dir -r "${REQUIREMENTS}" jupyterhub==6.1.1 \
    && for tool in formgrader create-assignment course-list; do \
         jupyter labextension disable --level=sys_prefix "@jupyter/nbgrader:${tool}"; done \
    && for tool in formgrader course_list; do \
         jupyter server extension disable --sys-prefix "nbgrader.server_extensions.${tool}"; done \
    && jupyter labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements" \
    && pip uninstall --yes rfc3987-syntax
# What students run, not the grader: autograder/grading (the judge, the sandbox, the hidden tests'
# helpers) and autograder/instructor (passback, similarity, extensions) are removed before the
# package is installed (tests/test_deploy.py reads this line).
COPY pyproject.toml ./
COPY autograder/ autograder/
COPY docker/package-readme.md README.md
RUN --mount=type=secret,id=ca-bundle \
    rm -rf autograder/grading autograder/instructor \
    && pip install --no-cache-dir --no-deps .

# MNIST and the keras.applications weights the chapters use, fetched now so that students never
# wait for a download and a cluster without internet still works.
ARG ASSETS=required
COPY docker/fetch_assets.py /tmp/build/
RUN mkdir -p "${KERAS_HOME}" \
    && python /tmp/build/fetch_assets.py "--${ASSETS}" \
    && chmod -R a+rX "${KERAS_HOME}" \
    && chmod 1777 "${KERAS_HOME}" "${KERAS_HOME}/datasets" "${KERAS_HOME}/models"

# Students fetch and submit through the exchange; the released course is here too, read-only, for
# a self-learner. Only the release: no source/, no hidden tests (checked here and by the tests).
COPY docker/student_nbgrader_config.py /etc/jupyter/nbgrader_config.py
COPY course/release/ ${COURSE_DIR}/release/
RUN if grep -rlE 'BEGIN HIDDEN[[:space:]]TESTS' "${COURSE_DIR}"; then exit 1; fi \
    && chmod -R a+rX "${COURSE_DIR}" && rm -rf /tmp/build

WORKDIR /home/jovyan
USER 1000
# The docker-stacks probe: asks the running Jupyter server for /api.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/etc/jupyter/docker_healthcheck.py"]
CMD ["jupyterhub-singleuser"]
