# The grader: what `keras-course grade` and the Kubernetes grading Job run in. It holds the
# course's checks and nbgrader on TensorFlow's CPU build, and no course: the instructor's course
# folder (with the gradebook and the submissions) is mounted at /srv/keras-course/course when it
# runs (hub_config/k8s/grading-job.yaml, docker/compose.yaml's grader service).
# BASE_IMAGE, PIP_CERT and the ca-bundle secret: as in hub.Dockerfile.
ARG BASE_IMAGE=quay.io/jupyter/docker-stacks-foundation:2026-08-07
FROM ${BASE_IMAGE}

USER 0
WORKDIR /tmp/build
ARG PIP_CERT
# Requirements, then the package: see hub.Dockerfile. rfc3987-syntax: see the Makefile.
COPY requirements.txt requirements-course.txt requirements-hub.txt ./
RUN --mount=type=secret,id=ca-bundle \
    pip install --no-cache-dir -r requirements.txt \
    && pip uninstall --yes rfc3987-syntax
# After the requirements' layer, so that a change here does not reinstall them. The exchange is where
# the hub's students submit (course/nbgrader_config.py reads KERAS_COURSE_EXCHANGE).
ENV KERAS_COURSE_DATA=digits \
    KERAS_COURSE_EXCHANGE=/srv/nbgrader/exchange \
    TF_CPP_MIN_LOG_LEVEL=2
COPY pyproject.toml ./
COPY autograder/ autograder/
COPY docker/package-readme.md README.md
# The notebooks run in a python3 kernel of this environment. The grading sandbox
# (autograder/grading/sandbox.py) needs unshare and useradd, which the base has: checked here.
RUN --mount=type=secret,id=ca-bundle \
    pip install --no-cache-dir --no-deps . \
    && python -m ipykernel install --sys-prefix --name python3 \
    && command -v unshare && command -v useradd \
    && rm -rf /tmp/build \
    && mkdir -p /srv/nbgrader/exchange && chmod 1777 /srv/nbgrader/exchange  # as in hub.Dockerfile

WORKDIR /srv/keras-course/course
USER 1000
# A one-shot job, not a server: the probe checks that the grading tools import.
HEALTHCHECK --interval=60s --timeout=30s --retries=1 \
    CMD ["python", "-c", "import autograder.cli, nbgrader, keras"]
ENTRYPOINT ["keras-course"]
CMD ["--help"]
