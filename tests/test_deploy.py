"""Deployment files, checked offline: images cannot be built here, so their inputs are.

- every file a Dockerfile copies exists and is not excluded by .dockerignore;
- the requirements files pin each package once, with one version across files, and the worker
  pins satisfy the Requires-Dist of the downloaded chatterbox-tts wheel (Python 3.11, Linux);
- the RunPod files parse and carry the fields RunPod's templates have;
- the image, `runpod.toml` and the Hub's `hub.json` configure a worker that the deployment
  policy (`worker/deployment.py`) lets run, `tests.json` one in development mode, and every
  execution timeout fits the longest story (`shared.deadlines`);
- the docs document every engine and worker variable, and the execution timeout.
"""

from __future__ import annotations

import ast
import fnmatch
import ipaddress
import json
import re
import shlex
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from shared.deadlines import execution_timeout_s, job_deadline_s
from shared.job_input import TTSJobInput
from shared.signing import generate_secret
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.targets import CallbackTargets
from worker.deployment import configuration_problems
from worker.engines.chatterbox.config import VARIANTS, ChatterboxSettings

REPO = Path(__file__).resolve().parents[1]
DOCKERFILES = sorted(REPO.glob("Dockerfile*"))
REQUIREMENT_FILES = sorted(REPO.glob("requirements*.txt"))
MAX_TEXT_CHARS = SynthesisSettings.model_fields["max_text_chars"].default
LONGEST_STORY_TIMEOUT_S = execution_timeout_s(job_deadline_s(MAX_TEXT_CHARS))
PRODUCTION_VARIABLES = {
    "CALLBACK_SIGNING_SECRET",
    "CALLBACK_ALLOWED_HOSTS",
    "R2_ACCOUNT_ID",
    "R2_ACCESS_KEY_ID",
    "R2_SECRET_ACCESS_KEY",
    "R2_BUCKET",
    "R2_PUBLIC_BASE_URL",
}
PY311_LINUX = {
    **default_environment(),
    "python_version": "3.11",
    "python_full_version": "3.11.9",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "extra": "",
}


# --- Dockerfiles ----------------------------------------------------------------------------


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuations joined and comments dropped."""
    logical, current = [], ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped.removesuffix("\\")
        if not stripped.endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for name, args in instructions(dockerfile):
        if name not in {"COPY", "ADD"}:
            continue
        words = json.loads(args) if args.startswith("[") else shlex.split(args)
        flags = [w for w in words if w.startswith("--")]
        if any(f.startswith("--from") for f in flags):
            continue  # from another build stage, not the context
        paths = [w for w in words if not w.startswith("--")]
        sources.extend(paths[:-1])
    return sources


def dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def excluded(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; a match on a parent excludes children."""
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.removeprefix("!").strip("/")
        variants = {pattern, pattern.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(c, v) for c in candidates for v in variants):
            result = not negate
    return result


def test_the_worker_image_is_defined() -> None:
    assert REPO / "Dockerfile.worker" in DOCKERFILES


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_copied_file_exists_and_reaches_the_build(dockerfile) -> None:
    sources = copy_sources(dockerfile)
    assert sources, f"{dockerfile.name} copies nothing"
    patterns = dockerignore_patterns()
    for source in sources:
        assert (REPO / source).exists(), f"{dockerfile.name} copies missing {source}"
        assert not excluded(source, patterns), f".dockerignore excludes {source}"
        if (REPO / source).is_dir():
            for file in (REPO / source).rglob("*.py"):
                relative = file.relative_to(REPO).as_posix()
                if "__pycache__" not in relative:
                    assert not excluded(relative, patterns), f".dockerignore excludes {relative}"


def test_the_dockerignore_matcher() -> None:
    patterns = ["tests", "**/__pycache__", "*.md", "!README.md"]
    assert excluded("tests/test_deploy.py", patterns)
    assert excluded("worker/__pycache__/x.pyc", patterns)
    assert excluded("NOTES.md", patterns)
    assert not excluded("README.md", patterns)
    assert not excluded("worker/handler.py", patterns)


def test_the_worker_image_builds_the_gpu_runtime() -> None:
    steps = instructions(REPO / "Dockerfile.worker")
    text = "\n".join(f"{name} {args}" for name, args in steps)
    (base,) = [args for name, args in steps if name == "FROM"]
    torch = pinned(REPO / "requirements-worker.txt")["torch"]
    assert torch == Version("2.6.0")
    assert re.fullmatch(r"nvidia/cuda:12\.4\.\d+-cudnn-runtime-ubuntu\d\d\.\d\d", base)
    assert "pip install -r requirements-worker.txt" in text
    default = re.search(r"ARG CHATTERBOX_VARIANT=(\w+)", text)
    assert default
    assert default.group(1) in VARIANTS
    assert "chatterbox_config.py fetch" in text
    assert "HF_HUB_OFFLINE=1" in text
    assert "RUNPOD_LOG_LEVEL=INFO" in text
    (cmd,) = [args for name, args in steps if name == "CMD"]
    assert json.loads(cmd) == ["python", "-u", "-m", "worker.handler"]
    assert (REPO / "worker" / "handler.py").is_file()


def image_environment(dockerfile: Path = REPO / "Dockerfile.worker") -> dict[str, str]:
    env: dict[str, str] = {}
    for name, args in instructions(dockerfile):
        if name == "ENV":
            env.update(word.split("=", 1) for word in shlex.split(args) if "=" in word)
    return env


def test_the_worker_image_is_configured_for_production() -> None:
    env = image_environment()
    assert env["STORAGE_BACKEND"] == "r2"
    assert env["CHATTERBOX_DEVICE"] == "cuda"
    assert env["TTS_ENGINE"] == "chatterbox"
    assert not {"WORKER_DEV_MODE", "CALLBACK_ALLOW_LOOPBACK_HTTP"} & env.keys()
    assert not PRODUCTION_VARIABLES & env.keys()  # secrets and endpoints come from RunPod


def test_the_weights_fetcher_runs_as_a_plain_script() -> None:
    """The image runs it before the sources are copied: only installed packages may be used."""
    tree = ast.parse((REPO / "worker/engines/chatterbox/config.py").read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    modules = {(n.module if isinstance(n, ast.ImportFrom) else n.names[0].name) for n in top}
    assert not {m for m in modules if m and m.split(".")[0] in {"worker", "shared", "tests"}}


def test_the_api_image_trusts_forwarded_headers_from_loopback_only() -> None:
    """A deployment names its load balancer; the image believes no client's X-Forwarded-*."""
    trusted = image_environment(REPO / "Dockerfile.api")["FORWARDED_ALLOW_IPS"]
    peers = [peer.strip() for peer in trusted.split(",")]
    assert "*" not in peers
    assert all(ipaddress.ip_network(peer).is_loopback for peer in peers)
    (cmd,) = [args for name, args in instructions(REPO / "Dockerfile.api") if name == "CMD"]
    assert "--forwarded-allow-ips" not in cmd
    assert "FORWARDED_ALLOW_IPS" in docs_page("configuration")


# --- requirements ---------------------------------------------------------------------------


def requirement_lines(path: Path) -> list[tuple[Path, str]]:
    """Requirement lines of `path` and the files it includes with `-r`."""
    lines: list[tuple[Path, str]] = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            lines.extend(requirement_lines(path.parent / line[3:].strip()))
        else:
            lines.append((path, line))
    return lines


def pinned(path: Path) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for source, line in requirement_lines(path):
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1, f"{source.name}: {line} is not pinned"
        assert specifiers[0].operator == "==", f"{source.name}: {line} is not pinned with =="
        name = canonicalize_name(requirement.name)
        version = Version(specifiers[0].version)
        assert pins.get(name, version) == version, f"{path.name}: {name} pinned twice, differently"
        pins[name] = version
    return pins


def test_there_are_requirement_files() -> None:
    names = {p.name for p in REQUIREMENT_FILES}
    assert {"requirements-worker.txt", "requirements-api.txt", "requirements-dev.txt"} <= names


@pytest.mark.parametrize("path", REQUIREMENT_FILES, ids=lambda p: p.name)
def test_every_package_is_pinned_once(path) -> None:
    own = [
        canonicalize_name(Requirement(line).name)
        for s, line in requirement_lines(path)
        if s == path
    ]
    assert len(own) == len(set(own)), f"{path.name} lists a package twice"
    assert pinned(path)  # every line, its own and included ones, pinned with == to one version


def test_one_version_per_package_across_all_files() -> None:
    seen: dict[str, tuple[Version, str]] = {}
    for path in REQUIREMENT_FILES:
        for name, version in pinned(path).items():
            first = seen.setdefault(name, (version, path.name))
            assert first[0] == version, f"{name}: {first[1]} pins {first[0]}, {path.name} {version}"


def chatterbox_requirements() -> list[Requirement]:
    version = pinned(REPO / "requirements-worker.txt")["chatterbox-tts"]
    wheel = REPO / ".cache" / "wheels" / f"chatterbox_tts-{version}-py3-none-any.whl"
    assert wheel.is_file(), f"{wheel.name} is missing: run `make test` (its set-up downloads it)"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"chatterbox_tts-{version}.dist-info/METADATA").decode()
    return [Requirement(r) for r in Parser().parsestr(metadata).get_all("Requires-Dist")]


def test_worker_pins_satisfy_chatterbox_requirements() -> None:
    pins = pinned(REPO / "requirements-worker.txt")
    applicable = [
        r for r in chatterbox_requirements() if not r.marker or r.marker.evaluate(PY311_LINUX)
    ]
    assert {canonicalize_name(r.name) for r in applicable} >= {"numpy", "torch", "torchaudio"}
    checked = 0
    for requirement in applicable:
        name = canonicalize_name(requirement.name)
        if name in pins:
            checked += 1
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"chatterbox-tts needs {requirement}, requirements pin {name}=={pins[name]}"
            )
    assert checked >= 4  # numpy, torch, torchaudio, pyloudnorm, resemble-perth at least


def test_the_markers_select_the_python_3_11_pins() -> None:
    numpy = [r for r in chatterbox_requirements() if r.name == "numpy"]
    chosen = [r for r in numpy if r.marker.evaluate(PY311_LINUX)]
    assert [str(r.specifier) for r in chosen] == ["<2.0.0,>=1.24.0"]


def test_perth_gets_a_setuptools_with_pkg_resources() -> None:
    """resemble-perth imports pkg_resources, removed in setuptools 81 (chatterbox #198)."""
    assert pinned(REPO / "requirements-worker.txt")["setuptools"] < Version("81")


def test_the_api_image_does_not_install_torch() -> None:
    assert (
        not {"torch", "torchaudio", "chatterbox-tts"} & pinned(REPO / "requirements-api.txt").keys()
    )


# --- RunPod ---------------------------------------------------------------------------------


PLACEHOLDERS = {
    "CALLBACK_SIGNING_SECRET": generate_secret(),
    "CALLBACK_ALLOWED_HOSTS": "api.example.com",
    "R2_PUBLIC_BASE_URL": "https://audio.example.com",
}
RUNPOD_SECRET = re.compile(r"\{\{ RUNPOD_SECRET_(\w+) \}\}")


def settings_from(env: dict[str, str]) -> ServiceSettings:
    return ServiceSettings(**{key.lower(): value for key, value in env.items()})


def filled_in(env: dict[str, str]) -> dict[str, str]:
    """`env` as a deployment would have it: each input or secret given a plausible value."""
    return {
        key: PLACEHOLDERS.get(key, "placeholder") if value is None or RUNPOD_SECRET.search(value)
        else value
        for key, value in env.items()
    }  # fmt: skip


def toml_environment() -> dict[str, str]:
    return tomllib.loads((REPO / "runpod.toml").read_text())["project"]["env_vars"]


def test_runpod_toml_configures_a_production_worker_from_runpod_secrets() -> None:
    env = toml_environment()
    assert env["STORAGE_BACKEND"] == "r2"
    assert env["CHATTERBOX_DEVICE"] == "cuda"
    for variable in PRODUCTION_VARIABLES:
        assert RUNPOD_SECRET.fullmatch(env[variable]), f"{variable} is not a RunPod secret"
    assert configuration_problems(settings_from(filled_in(env))) == []


def test_a_runpod_secret_left_unresolved_is_refused_not_used() -> None:
    found = "; ".join(configuration_problems(settings_from(toml_environment())))
    assert "CALLBACK_SIGNING_SECRET is malformed" in found
    assert "R2_PUBLIC_BASE_URL must be" in found
    assert "CALLBACK_ALLOWED_HOSTS lists" in found


def test_runpod_toml_states_the_execution_timeout_of_the_longest_story() -> None:
    text = (REPO / "runpod.toml").read_text()
    assert MAX_TEXT_CHARS == 50_000
    stated = re.search(r"--execution-timeout (\d+)`", text)
    assert stated
    assert int(stated.group(1)) == LONGEST_STORY_TIMEOUT_S
    assert f"{LONGEST_STORY_TIMEOUT_S} s = shared.deadlines.execution_timeout_s" in text


def test_runpod_toml_describes_the_endpoint() -> None:
    config = tomllib.loads((REPO / "runpod.toml").read_text())
    project, endpoint, runtime = config["project"], config["endpoint"], config["runtime"]
    assert project["gpu_types"]
    assert project["gpu_count"] == 1
    assert endpoint["flashboot"] is True
    assert 0 <= endpoint["active_workers"] <= endpoint["max_workers"]
    assert runtime["python_version"] == "3.11"
    assert (REPO / runtime["handler_path"]).is_file()
    assert (REPO / runtime["requirements_path"]).is_file()


def test_hub_json_has_the_fields_runpod_requires() -> None:
    hub = json.loads((REPO / ".runpod/hub.json").read_text())
    assert hub["type"] == "serverless"
    assert hub["category"] in {"audio", "embedding", "language", "video", "image"}
    assert hub["title"]
    assert hub["description"]
    config = hub["config"]
    assert config["runsOn"] == "GPU"
    assert isinstance(config["containerDiskInGb"], int)
    assert config["gpuCount"] == 1
    assert config["gpuIds"]
    settings = {f"CHATTERBOX_{name.upper()}" for name in ChatterboxSettings.model_fields}
    for variable in config["env"]:
        assert ("value" in variable) != ("input" in variable), variable["key"]
        if variable["key"].startswith("CHATTERBOX_"):
            assert variable["key"] in settings
    for preset in config["presets"]:
        assert set(preset["defaults"]) <= {v["key"] for v in config["env"]}


def hub_environment() -> dict[str, dict]:
    hub = json.loads((REPO / ".runpod/hub.json").read_text())
    return {variable["key"]: variable for variable in hub["config"]["env"]}


def test_hub_json_asks_for_what_a_production_worker_needs() -> None:
    env = hub_environment()
    assert env["STORAGE_BACKEND"]["value"] == "r2"
    assert env["CHATTERBOX_DEVICE"]["value"] == "cuda"
    for variable in PRODUCTION_VARIABLES:
        field = env[variable]["input"]
        assert field["type"] == "string"
        assert field["required"] is True
        assert field["name"]
        assert field["description"]
    for secret in ("CALLBACK_SIGNING_SECRET", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"):
        assert RUNPOD_SECRET.fullmatch(env[secret]["input"]["default"])
    values = {key: v.get("value", v.get("input", {}).get("default")) for key, v in env.items()}
    deployed = filled_in({k: v if v is None else str(v) for k, v in values.items()})
    assert configuration_problems(settings_from(deployed)) == []
    for variable in PRODUCTION_VARIABLES:
        assert configuration_problems(settings_from({**deployed, variable: ""}))


def test_hub_tests_send_valid_jobs() -> None:
    tests = json.loads((REPO / ".runpod/tests.json").read_text())
    assert tests["config"]["gpuTypeId"]
    for case in tests["tests"]:
        assert case["name"]
        assert case["timeout"] > 0
        TTSJobInput.model_validate(case["input"])


def test_hub_tests_run_a_development_worker_that_accepts_their_jobs() -> None:
    """tests.json is public: no real secret, no bucket. The hub test narrates in development
    mode, into local storage, and posts its callbacks to a loopback port where nothing listens."""
    tests = json.loads((REPO / ".runpod/tests.json").read_text())
    env = {variable["key"]: variable["value"] for variable in tests["config"]["env"]}
    assert env["WORKER_DEV_MODE"] == "true"
    assert env["CHATTERBOX_DEVICE"] == "cuda"
    settings = settings_from(env)
    assert configuration_problems(settings) == []
    for case in tests["tests"]:
        job = TTSJobInput.model_validate(case["input"])
        CallbackTargets.for_job(
            job.callback_url,
            job.error_callback_url,
            job.progress_callback_url,
            allowed_hosts=settings.callback_allowed_hosts,
            allow_loopback_http=settings.callback_allow_loopback_http,
            resolve=lambda host: [],  # loopback literals only: nothing is looked up
        )
        assert case["timeout"] >= execution_timeout_s(job_deadline_s(len(job.text))) * 1000


# --- docs -----------------------------------------------------------------------------------


def docs_page(name: str) -> str:
    return (REPO / "docs" / f"{name}.md").read_text()


def test_the_docs_document_every_worker_service_variable() -> None:
    documented = set(
        re.findall(r"^\| `([A-Z0-9_]+)` \| worker \|", docs_page("configuration"), re.M)
    )
    expected = {name.upper() for name in ServiceSettings.model_fields}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"


def test_the_docs_state_the_execution_timeout_of_the_longest_story() -> None:
    assert f"{LONGEST_STORY_TIMEOUT_S} s" in docs_page("deployment")


def test_the_docs_document_every_engine_variable() -> None:
    section = docs_page("configuration")
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", section, re.MULTILINE))
    expected = {f"CHATTERBOX_{name.upper()}" for name in ChatterboxSettings.model_fields}
    expected |= {"TTS_ENGINE", "HF_HUB_OFFLINE", "RUNPOD_LOG_LEVEL"}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"
