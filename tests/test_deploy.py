"""Static checks of the deployment (docker/, hub_config/docker.py, hub_config/k8s/): no container
engine or cluster runs on CI, so every file is linted or validated against its schema, and the
images' build contexts are scanned so that no instructor notebook or hidden test can reach one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

DOCKER = ROOT / "docker"
SCHEMAS = ROOT.parent / "shared" / "schemas"
HUB_CONFIG = ROOT / "hub_config" / "jupyterhub_config.py"
HIDDEN_MARKER = b"BEGIN HIDDEN TESTS"

# Every image of the course, by the one name that the compose file, the Helm values and the hub
# profiles use, and the Dockerfile that builds it.
IMAGES = {
    "keras-course/hub:0.1.0": "hub.Dockerfile",
    "keras-course/student-gpu:0.1.0": "student.Dockerfile",
    "keras-course/student-cpu:0.1.0": "student.Dockerfile",
    "keras-course/grader:0.1.0": "grader.Dockerfile",
}
# The Debian stand-in for docker-stacks that docker/build-local.sh builds the same images on, where
# no image registry can be reached; never a base of a production build.
LOCAL_BASE = DOCKER / "local-base.Dockerfile"
DOCKERFILES = sorted(p for p in DOCKER.glob("*.Dockerfile") if p != LOCAL_BASE)
DATE_TAG = re.compile(r":[\w.-]*\d{4}-\d{2}-\d{2}$")

needs_schemas = pytest.mark.skipif(not SCHEMAS.is_dir(), reason="../shared/schemas is absent")
needs_hub_config = pytest.mark.skipif(not HUB_CONFIG.is_file(), reason="no hub_config/jupyterhub_config.py")


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text())


# -- Dockerfiles --------------------------------------------------------------------------------

def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    lines = [line for line in dockerfile.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(parts[0].upper(), parts[1] if len(parts) > 1 else "")
            for parts in (line.split(None, 1) for line in joined.splitlines() if line.strip())]


def base_images(dockerfile: Path) -> list[str]:
    """The image of each FROM, with ARG defaults filled in (as a build without --build-arg)."""
    defaults, images = {}, []
    for name, args in instructions(dockerfile):
        if name == "ARG" and "=" in args:
            key, value = args.split("=", 1)
            defaults.setdefault(key.strip(), value.strip())
        elif name == "FROM":
            image = args.split()[0]
            images.append(re.sub(r"\$\{?(\w+)\}?", lambda m: defaults.get(m.group(1), m.group(0)), image))
    return images


def test_every_image_has_a_dockerfile():
    assert {DOCKER / name for name in IMAGES.values()} == set(DOCKERFILES)


def test_hadolint_finds_no_errors():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), "--failure-threshold", "error", *map(str, [*DOCKERFILES, LOCAL_BASE])],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_image_is_pinned_non_root_and_probed(dockerfile):
    steps = instructions(dockerfile)
    for image in base_images(dockerfile):
        assert DATE_TAG.search(image), f"{dockerfile.name}: base {image} is not pinned by a dated tag"
    users = [args.split(":")[0] for name, args in steps if name == "USER"]
    assert users and users[-1] not in ("0", "root"), f"{dockerfile.name} ends as root"
    assert any(name == "HEALTHCHECK" for name, _ in steps), f"{dockerfile.name}: no HEALTHCHECK"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_pip_gets_the_ca_bundle_as_a_build_secret(dockerfile):
    """build-local.sh lends this machine's CA bundle to pip: as a BuildKit secret (never a layer)
    named by a build argument (never in the image's environment)."""
    steps = instructions(dockerfile)
    assert ("ARG", "PIP_CERT") in steps, f"{dockerfile.name}: ARG PIP_CERT (no default) is missing"
    assert not [args for name, args in steps if name == "ENV" and "PIP_CERT" in args]
    assert not [args for name, args in steps if name in ("COPY", "ADD") and re.search(r"\.(crt|pem)\b", args)]
    installs = [args for name, args in steps if name == "RUN" and "pip install" in args]
    assert installs
    for args in installs:
        assert "--mount=type=secret,id=ca-bundle" in args, args[:120]
        assert "--no-cache-dir" in args, args[:120]  # no pip cache left in a layer
    # the base is a build argument whose default stays the production one
    assert instructions(dockerfile)[0][0] == "ARG" and instructions(dockerfile)[0][1].startswith("BASE_IMAGE=")


def test_build_local_builds_every_image_on_the_local_base():
    script = (DOCKER / "build-local.sh").read_text()
    assert "BASE_IMAGE=${LOCAL_BASE}" in script and "LOCAL_BASE=keras-course/local-base:bookworm" in script
    for dockerfile in DOCKERFILES:
        assert f"docker/{dockerfile.name}" in script
    assert base_images(LOCAL_BASE) == ["keras-course/debian:bookworm"]  # made by debootstrap, not pulled
    for name in ("build-local.sh", "start-engine.sh", "local-base/start.sh"):
        assert subprocess.run(["bash", "-n", str(DOCKER / name)]).returncode == 0, name
        assert os.access(DOCKER / name, os.X_OK), f"{name} is not executable"


# -- what a build can copy into an image --------------------------------------------------------

def dockerignore_rules(path: Path) -> list[tuple[bool, re.Pattern]]:
    """(re-include?, regex) of each .dockerignore line, in order: the last match decides."""
    rules = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip("/"))
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        rules.append((include, re.compile(f"{regex}$")))
    return rules


def ignored(relative: str, rules) -> bool:
    """Docker's rule: a pattern matches a path or any folder above it; the last match wins."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    result = False
    for include, regex in rules:
        if any(regex.match(prefix) for prefix in prefixes):
            result = not include
    return result


def context_files(root: Path, rules) -> list[str]:
    """Every file that a build with this context could COPY: the context less .dockerignore."""
    reincluded = [regex.pattern for include, regex in rules if include]
    found = []
    for folder, dirs, files in os.walk(root):
        base = os.path.relpath(folder, root).replace(os.sep, "/")
        base = "" if base == "." else base + "/"
        # Skip an ignored folder unless a "!" line could bring back something inside it.
        dirs[:] = [d for d in dirs if not ignored(base + d, rules)
                   or any(p.startswith(re.escape(base + d + "/")) for p in reincluded)]
        found += [base + f for f in files if not ignored(base + f, rules)]
    return found


def leaks(root: Path, files: list[str]) -> list[str]:
    """Files that must never reach an image: instructor notebooks, and hidden tests anywhere.

    The autograder's own modules may name the nbgrader marker (its docs show how a hidden test
    cell is written); students install that package anyway. Everything else must not hold it.
    """
    bad = [f for f in files if f.split("/")[0] == "source"]
    for f in files:
        if f.endswith(".py") and f.startswith("autograder/"):
            continue
        if HIDDEN_MARKER in (root / f).read_bytes():
            bad.append(f)
    return bad


def copy_sources(dockerfile: Path) -> list[str]:
    """The context paths of every COPY/ADD that reads the build context (not another stage)."""
    sources = []
    for name, args in instructions(dockerfile):
        if name in ("COPY", "ADD"):
            words = [w for w in args.split() if not w.startswith("--")]
            if "--from" not in args:
                sources += [w.rstrip("/") for w in words[:-1]]
    return sources


ROOT_RULES = dockerignore_rules(ROOT / ".dockerignore")


def test_every_build_context_is_the_repository_root():
    compose = read_yaml(DOCKER / "compose.yaml")
    for name, service in compose["services"].items():
        if "build" in service:
            assert (DOCKER / service["build"]["context"]).resolve() == ROOT, name
    # A Dockerfile-specific ignore file would replace the root one for that image.
    assert not list(DOCKER.glob("*.dockerignore"))


def test_no_build_context_holds_source_or_hidden_tests():
    files = context_files(ROOT, ROOT_RULES)
    assert "autograder/cli.py" in files and "docker/fetch_assets.py" in files
    assert leaks(ROOT, files) == []


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_copy_reads_only_allowed_paths(dockerfile):
    assert not [args for name, args in instructions(dockerfile) if name == "ADD"], \
        "ADD can fetch URLs and unpack archives: use COPY"
    for source in copy_sources(dockerfile):
        assert not source.startswith(("/", "..")) and ".." not in source.split("/"), source
        assert source.split("/")[0] != "source", f"{dockerfile.name} copies {source}"
        # A source that .dockerignore leaves out would fail the build.
        assert not ignored(source, ROOT_RULES), f"{dockerfile.name}: {source} is not in the context"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_copied_requirements_bring_the_files_they_include(dockerfile):
    copied = {Path(source).name for source in copy_sources(dockerfile)}
    for name in sorted(n for n in copied if n.startswith("requirements")):
        for line in (ROOT / name).read_text().splitlines():
            if line.startswith("-r "):
                assert line.split()[1] in copied, f"{dockerfile.name}: {name} includes {line.split()[1]}"


def student_package_files() -> list[str]:
    """The autograder files the student image installs: what its COPY brings from the build
    context, less what a RUN removes before ``pip install`` (read from the Dockerfile)."""
    steps = instructions(DOCKER / "student.Dockerfile")
    copied = [f for f in context_files(ROOT, ROOT_RULES) if f.startswith("autograder/")]
    assert any(name == "COPY" and args.split()[0] == "autograder/" for name, args in steps)
    install = next(args for name, args in steps if name == "RUN" and "--no-deps ." in args)
    before_install = install.split("pip install")[0]
    removed = re.findall(r"rm -rf ((?:autograder/[\w/]+\s*)+)", before_install)
    gone = [path for group in removed for path in group.split()]
    return [f for f in copied if not any(f == g or f.startswith(g.rstrip("/") + "/") for g in gone)]


def test_the_student_image_carries_no_grading_code_and_no_hidden_helper():
    files = student_package_files()
    assert "autograder/student.py" in files and "autograder/probes.py" in files
    assert any(f.startswith("autograder/exercises/") for f in files)
    assert not [f for f in files if f.startswith("autograder/grading/")]
    hidden_helpers = [p.name for p in (ROOT / "autograder" / "grading" / "hidden").glob("ch*.py")]
    assert hidden_helpers  # they exist, and only the grader's checkout has them
    for name in hidden_helpers:
        assert f"autograder/exercises/{name}" in files  # the public half of each chapter ships


def test_the_scan_catches_what_it_must(tmp_path):
    """The same scan over a checkout where things went wrong."""
    files = {
        "source/ch01/ch01.ipynb": "### BEGIN HIDDEN TESTS",
        "course/gradebook.db": "### BEGIN HIDDEN TESTS",
        "course/submitted/s1/ch01/ch01.ipynb": "### BEGIN HIDDEN TESTS",
        "tests/test_x.py": "### BEGIN HIDDEN TESTS",
        "course/release/ch01/ch01.ipynb": "a release that kept a hidden test: ### BEGIN HIDDEN TESTS",
        "course/release/ch02/ch02.ipynb": "clean",
        "autograder/__pycache__/x.pyc": "",
        "autograder/testcell.py": "docs: ### BEGIN HIDDEN TESTS",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    context = context_files(tmp_path, ROOT_RULES)
    assert sorted(context) == ["autograder/testcell.py", "course/release/ch01/ch01.ipynb",
                               "course/release/ch02/ch02.ipynb"]
    assert leaks(tmp_path, context) == ["course/release/ch01/ch01.ipynb"]
    # Without .dockerignore, source/ and the rest would be in every image.
    assert "source/ch01/ch01.ipynb" in leaks(tmp_path, context_files(tmp_path, []))


# -- docker compose -----------------------------------------------------------------------------

def image_references(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w/.-])keras-course/[\w-]+:[\w.-]+", text))


@needs_schemas
def test_compose_file_matches_the_compose_schema():
    import jsonschema

    schema = json.loads((SCHEMAS / "compose" / "compose-spec.json").read_text())
    jsonschema.validate(read_yaml(DOCKER / "compose.yaml"), schema)


def test_compose_builds_every_image_under_its_one_name():
    compose = read_yaml(DOCKER / "compose.yaml")
    built = {s["image"]: Path(s["build"]["dockerfile"]).name
             for s in compose["services"].values() if "build" in s}
    assert built == IMAGES
    for service in compose["services"].values():
        for value in (service.get("build") or {}).get("args", {}).values():
            if ":" in value:
                assert DATE_TAG.search(value), f"build argument {value} is not a dated tag"


def test_every_file_names_the_images_alike():
    for path in [DOCKER / "compose.yaml", ROOT / "hub_config" / "docker.py",
                 *sorted((ROOT / "hub_config" / "k8s").glob("*.yaml"))]:
        assert image_references(path.read_text()) <= set(IMAGES), path.name


# -- the hub's docker profile -------------------------------------------------------------------

def load_hub_config(profile: str, tmp_path: Path, monkeypatch, **env: str):
    """The hub's configuration as JupyterHub's own config loader reads it for ``profile``."""
    from jupyterhub.app import JupyterHub

    monkeypatch.setenv("KERAS_COURSE_HUB", profile)
    monkeypatch.setenv("KERAS_COURSE_HUB_DIR", str(tmp_path / "hub"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    hub = JupyterHub()
    hub.load_config_file(str(HUB_CONFIG))
    return hub.config


@needs_hub_config
def test_docker_profile_loads_and_sets_only_known_traits(tmp_path, monkeypatch):
    from dockerspawner import SystemUserSpawner

    config = load_hub_config("docker", tmp_path, monkeypatch)
    spawner_class = config.JupyterHub.spawner_class
    assert issubclass(spawner_class, SystemUserSpawner)
    known = set(spawner_class.class_trait_names(config=True))
    for section in ("Spawner", "DockerSpawner", "SystemUserSpawner"):
        assert set(config[section]) <= known, section
    assert config.ConfigurableHTTPProxy.should_start is False
    # The proxy container reaches every service of the hub by the hub's name.
    assert all("127.0.0.1" not in s.get("url", "") for s in config.JupyterHub.services)
    assert (tmp_path / "hub" / "jupyter" / "formgrader" / "nbgrader_config.py").is_file()


def spawner_for(config, user_id: int, name: str):
    from types import SimpleNamespace

    user = SimpleNamespace(id=user_id, name=name, url=f"/user/{name}/", server=None, settings={})
    return config.JupyterHub.spawner_class(config=config, user=user)


@needs_hub_config
def test_docker_profile_gives_each_user_a_uid_home_gpu_and_limits(tmp_path, monkeypatch):
    config = load_hub_config("docker", tmp_path, monkeypatch)
    alice, bob = spawner_for(config, 1, "alice"), spawner_for(config, 2, "bob")
    assert alice.user_id != bob.user_id and min(alice.user_id, bob.user_id) >= 10000
    # Neither uid nor gid comes from the hub's /etc/passwd, where LTI and OAuth users are not.
    assert alice.group_id == 100 and bob.group_id == 100
    assert alice.run_as_root  # only to switch to the user's uid (docker-stacks' start script)
    binds = alice.volume_binds
    assert binds["keras-course-user-alice"]["bind"] == "/home/alice"
    assert binds["keras-course-exchange"]["bind"] == "/srv/nbgrader/exchange"
    assert alice.object_name == "keras-course-alice"
    assert config.JupyterHub.cleanup_servers is True  # stopping the hub stops the users' containers
    assert alice.image == "keras-course/student-gpu:0.1.0"
    assert alice.extra_host_config["device_requests"][0]["Capabilities"] == [["gpu"]]
    assert alice.mem_limit and alice.cpu_limit


@needs_hub_config
def test_docker_profile_names_everything_after_the_project(tmp_path, monkeypatch):
    # Two courses (or two test runs) on one engine: network, volumes and containers apart.
    config = load_hub_config("docker", tmp_path, monkeypatch, KERAS_COURSE_PROJECT="course-b")
    alice = spawner_for(config, 1, "alice")
    assert set(alice.volume_binds) == {"course-b-user-alice", "course-b-exchange"}
    assert alice.network_name == "course-b" and alice.object_name == "course-b-alice"
    compose = (DOCKER / "compose.yaml").read_text()
    for name in ("${KERAS_COURSE_PROJECT:-keras-course}", "${KERAS_COURSE_PROJECT:-keras-course}-exchange"):
        assert f"name: {name}" in compose


@needs_hub_config
def test_docker_profile_without_gpus(tmp_path, monkeypatch):
    config = load_hub_config("docker", tmp_path, monkeypatch, KERAS_COURSE_GPUS="none",
                             KERAS_COURSE_STUDENT_IMAGE="keras-course/student-cpu:0.1.0")
    spawner = spawner_for(config, 1, "alice")
    assert "device_requests" not in spawner.extra_host_config
    assert spawner.image == "keras-course/student-cpu:0.1.0"


def test_student_image_and_docker_profile_agree_on_the_exchange():
    from autograder.course import load_course

    student_config = (DOCKER / "student_nbgrader_config.py").read_text()
    assert '"/srv/nbgrader/exchange"' in student_config
    assert f'course_id = "{load_course(ROOT / "course").id}"' in student_config


# -- the hub's k8s profile: Zero to JupyterHub values and Kubernetes manifests --------------------

K8S = ROOT / "hub_config" / "k8s"
VALUES = K8S / "values.yaml"


def deep_merge(defaults, overrides):
    """Helm's merge of a values file over the chart's defaults: maps merge, anything else replaces."""
    if isinstance(defaults, dict) and isinstance(overrides, dict):
        merged = dict(defaults)
        for key, value in overrides.items():
            merged[key] = deep_merge(defaults.get(key), value) if key in defaults else value
        return merged
    return overrides


def test_deep_merge_is_helms():
    assert deep_merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "e": None}) == \
        {"a": {"b": 1, "c": [2]}, "d": 1, "e": None}


@needs_schemas
def test_helm_values_match_the_chart_schema():
    import jsonschema

    schema = read_yaml(SCHEMAS / "z2jh" / "values.schema.yaml")
    values = deep_merge(read_yaml(SCHEMAS / "z2jh" / "values.yaml"), read_yaml(VALUES))
    jsonschema.validate(values, schema)


def test_helm_values_offer_cpu_and_one_gpu():
    profiles = {p["slug"]: p for p in read_yaml(VALUES)["singleuser"]["profileList"]}
    assert set(profiles) == {"cpu", "gpu"} and profiles["cpu"]["default"]
    gpu = profiles["gpu"]["kubespawner_override"]
    assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert gpu["node_selector"] and any(t["key"] == "nvidia.com/gpu" for t in gpu["tolerations"])
    assert read_yaml(VALUES)["cull"]["enabled"]


def manifests() -> list[tuple[str, dict]]:
    return [(f"{path.name}: {doc['kind']} {doc['metadata']['name']}", doc)
            for path in sorted(K8S.glob("*.yaml")) if path != VALUES
            for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("name, manifest", manifests(), ids=[n for n, _ in manifests()])
def test_kubernetes_manifest_is_valid(name, manifest):
    import kubernetes_validate

    kubernetes_validate.validate(manifest, "1.37.0", strict=True)


def test_students_never_mount_the_instructors_volume():
    claims = {v["persistentVolumeClaim"]["claimName"]
              for v in read_yaml(VALUES)["singleuser"]["storage"]["extraVolumes"]}
    assert claims == {"keras-course-exchange"}


def run_extra_config(tmp_path, monkeypatch):
    """The chart's jupyterhub_config.py, as far as this file goes: hub.config's services and roles,
    then each hub.extraConfig snippet run with ``c`` (and z2jh's own get_config in scope)."""
    from traitlets.config import Config

    monkeypatch.setenv("KERAS_COURSE_HUB_CONFIG", str(HUB_CONFIG))
    monkeypatch.setenv("KERAS_COURSE_HUB_DIR", str(tmp_path / "hub"))
    for name, value in read_yaml(VALUES)["hub"]["extraEnv"].items():
        if name not in ("KERAS_COURSE_ROOT", "KERAS_COURSE_HUB_DIR", "KERAS_COURSE_EXCHANGE"):
            monkeypatch.setenv(name, value)
    c = Config()
    c.JupyterHub.services = [{"name": "jupyterhub-idle-culler", "command": ["culler"]}]
    c.JupyterHub.load_roles = [{"name": "jupyterhub-idle-culler", "services": ["jupyterhub-idle-culler"]}]
    for snippet in read_yaml(VALUES)["hub"]["extraConfig"].values():
        exec(snippet, {"c": c, "get_config": lambda key, default=None: default})  # noqa: S102
    return c


@needs_hub_config
def test_k8s_profile_loads_in_jupyterhubs_loader(tmp_path, monkeypatch):
    config = load_hub_config("k8s", tmp_path, monkeypatch)
    assert "spawner_class" not in config.JupyterHub  # the chart's KubeSpawner stays
    assert any(s["name"] == "keras-course" for s in config.JupyterHub.services)


@needs_hub_config
def test_k8s_profile_adds_the_course_to_the_chart(tmp_path, monkeypatch):
    config = run_extra_config(tmp_path, monkeypatch)
    services = {s["name"]: s for s in config.JupyterHub.services}
    assert set(services) == {"jupyterhub-idle-culler", "keras-course"}
    assert services["keras-course"]["url"].startswith("http://hub:")
    port = int(services["keras-course"]["url"].rsplit(":", 1)[1])
    assert port == read_yaml(VALUES)["hub"]["service"]["extraPorts"][0]["port"]
    roles = {r["name"]: r for r in config.JupyterHub.load_roles}
    assert "instructor" in roles and "idle-culler" not in roles
    assert config.JupyterHub.authenticator_class is not None
    uid = config.KubeSpawner.uid
    assert uid(fake_spawner(3)) != uid(fake_spawner(4)) and uid(fake_spawner(1)) >= 10000


def fake_spawner(user_id: int):
    from types import SimpleNamespace

    return SimpleNamespace(user=SimpleNamespace(id=user_id))


def test_build_time_downloads_name_real_applications():
    """docker/fetch_assets.py's models build as listed (with weights=None: CI has no internet)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fetch_assets", DOCKER / "fetch_assets.py")
    fetch_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch_assets)
    for application, kwargs in fetch_assets.PRETRAINED:
        assert application(weights=None, **kwargs).count_params() > 0
