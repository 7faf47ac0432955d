# syntax=docker/dockerfile:1
# The grader: what `keras-course grade` and the Kubernetes grading Job run in. It holds the
# course's checks and nbgrader on TensorFlow's CPU build, and no course: the instructor's course
# folder (with the gradebook and the submissions) is mounted at /srv/keras-course/course when it
# runs (hub_config/k8s/grading-job.yaml).
FROM quay.io/jupyter/docker-stacks-foundation:2026-08-07

ENV PIP_NO_CACHE_DIR=1 \
    KERAS_COURSE_DATA=digits \
    TF_CPP_MIN_LOG_LEVEL=2

USER 0
WORKDIR /tmp/build
COPY requirements.txt requirements-course.txt requirements-hub.txt pyproject.toml ./
COPY autograder/ autograder/
COPY docker/package-readme.md README.md
# The notebooks run in a python3 kernel of this environment. The grading sandbox
# (autograder/grading/sandbox.py) needs unshare and useradd, which the Ubuntu base has: checked here.
RUN pip install --no-cache-dir -r requirements.txt . \
    && python -m ipykernel install --sys-prefix --name python3 \
    && command -v unshare && command -v useradd \
    && pip uninstall --yes rfc3987-syntax \
    && rm -rf /tmp/build  # rfc3987-syntax: 2 CPU-s of imports at every start, see the Makefile

WORKDIR /srv/keras-course/course
USER 1000
# A one-shot job, not a server: the probe checks that the grading tools import.
HEALTHCHECK --interval=60s --timeout=30s --retries=1 \
    CMD ["python", "-c", "import autograder.cli, nbgrader, keras"]
ENTRYPOINT ["keras-course"]
CMD ["--help"]
