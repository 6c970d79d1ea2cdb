"""Writes docs/configuration.md: every environment variable of both services in one table.

The rows come from the settings classes themselves (each field's name, default and docstring),
so the page cannot drift from the code: `tests/test_docs.py` regenerates it and compares. A
field without a docstring takes its meaning from `NOTES` below; a field with neither stops the
generator, naming it. The few variables read outside the settings classes (by uvicorn, Google's
libraries, Hugging Face, the image) are listed in `OTHER_VARIABLES`.

    python -m tools.config_docs            # writes docs/configuration.md
    python -m tools.config_docs --check    # exits 1 if docs/configuration.md is not current
"""

from __future__ import annotations

import argparse
import ast
import inspect
import itertools
import sys
import textwrap
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "docs" / "configuration.md"
API = "API"
WORKER = "worker"
IMAGE = "image"


@dataclass(frozen=True)
class Variable:
    name: str
    service: str
    default: str
    meaning: str


NOTES: dict[str, str] = {
    # The callback API (callback_api/core/config.py `Settings`).
    "CALLBACK_SIGNING_SECRET": "Required (only local development with the emulator may run "
    "without it). `whsec_<base64 of 24–64 bytes>`, the same secret as the worker's: it "
    "verifies the worker's callbacks and derives the webhook URLs' tokens.",
    "CALLBACK_SIGNING_SECRET_PREVIOUS": "A second accepted secret, while rotating "
    "([deployment](deployment.md#rotating-the-signing-secret)).",
    "CALLBACK_API_DEV_MODE": "Local development: run without a secret or RunPod's API; "
    "allowed only with `FIRESTORE_EMULATOR_HOST`.",
    "GOOGLE_CLOUD_PROJECT": "The Firebase / Google Cloud project id; default: from the "
    "credentials (`demo-local` with the emulator).",
    "FIREBASE_CREDENTIALS_FILE": "A service-account JSON file; without it, Application Default "
    "Credentials.",
    "FIRESTORE_EMULATOR_HOST": "`host:port` of a Firestore emulator: anonymous credentials, no "
    "real ones needed.",
    "STORIES_COLLECTION": "The collection of story documents (also change `collectionGroup` in "
    "`firestore.indexes.json` and the rules).",
    "FIRESTORE_TIMEOUT_SECONDS": "Deadline of one request's Firestore work, then 503.",
    "FIRESTORE_TRANSACTION_ATTEMPTS": "Immediate retries of a transaction that Firestore aborts "
    "for contention; past them the store backs off (jittered, up to 1 s) and tries again until "
    "`FIRESTORE_TIMEOUT_SECONDS`.",
    "RETRY_AFTER_SECONDS": "The `Retry-After` sent with every 503.",
    "READY_CACHE_SECONDS": "How long `/ready` keeps Firestore's answer (ready or not) before "
    "reading again; `0`: every call reads.",
    "LOG_LEVEL@API": "`DEBUG`, `INFO`, `WARNING` or `ERROR`.",
    "API_DOCS_ENABLED": "Serve `/docs`, `/redoc` and `/openapi.json` (development: they map the "
    "API for anyone).",
    "METRICS_TOKEN": "At least 16 characters: `/metrics` then answers only "
    "`Authorization: Bearer <token>`, else 401.",
    "CALLBACK_API_PUBLIC_URL": "This API's base URL as the worker and RunPod reach it: the "
    "callback and webhook URLs of every submission are built on it.",
    "RUNPOD_API_KEY": "Required unless `CALLBACK_API_DEV_MODE`. Submissions go to "
    "RunPod with it, and the webhook and the reconciler read each job's end from RunPod's "
    "status API, so that a job that ended while the API was down still settles its story and a "
    "leaked webhook URL cannot fail one.",
    "RUNPOD_ENDPOINT_ID": "The worker's serverless endpoint; required unless "
    "`CALLBACK_API_DEV_MODE`. Set both or neither.",
    "RUNPOD_API_BASE_URL": "RunPod's API (tests point it at a local server).",
    "RUNPOD_TIMEOUT_SECONDS": "Per request to RunPod's API.",
    "RECONCILE_STALE_AFTER_S": "A `processing` story (or a `pending` one with a job) without a "
    "callback this long is settled by the reconciler from RunPod's status: 5 missed heartbeats "
    "of the worker's `PROGRESS_HEARTBEAT_S`; at most 900, so that it settles inside RunPod's "
    "30-minute retention of a job's result.",
    # The worker's synthesis (worker/config.py `SynthesisSettings`).
    "TTS_ENGINE": "`auto` (Chatterbox with CUDA and the package, else Piper), `piper`, "
    "`chatterbox`; the image sets `chatterbox`.",
    "MAX_TEXT_CHARS": "Longest story accepted, after normalization (`text_too_long`). Raising "
    "it raises the execution timeout RunPod needs.",
    "CHUNK_MAX_CHARS": "Chunk size bound (the engine may lower it).",
    "CHUNK_MIN_CHARS": "Shorter fragments merge into a neighbour; at most half of "
    "`CHUNK_MAX_CHARS`.",
    "CHUNK_MAX_RETRIES": "Regenerations of a chunk before `generation_failed` or "
    "`text_unspeakable`.",
    "QA_MIN_CHARS_PER_SECOND": "Slowest plausible speaking rate of a chunk (spoken characters "
    "per voiced second); below `QA_MAX_CHARS_PER_SECOND`.",
    "QA_MAX_CHARS_PER_SECOND": "Fastest plausible speaking rate of a chunk.",
    "QA_MAX_SILENCE_RATIO": "Largest share of silent 20 ms frames in a chunk.",
    "QA_MIN_RMS_DBFS": "Quieter chunks are regenerated.",
    "QA_MAX_CLIPPED_RATIO": "Share of samples at full scale tolerated.",
    "QA_PACE_MIN_CHUNKS": "Chunks that must have passed before a chunk is judged against the "
    "story's running median rate (`QA_PACE_TOLERANCE`).",
    "TARGET_LUFS": "Loudness of every chunk (ITU-R BS.1770).",
    "PEAK_CEILING_DBFS": "Limiter ceiling.",
    "PAUSE_MS": "Silence between chunks.",
    "PARAGRAPH_PAUSE_MS": "Silence after a paragraph.",
    "SCENE_PAUSE_MS": "Silence at a scene break (`***`, `---`, `⁂`); at least "
    "`PARAGRAPH_PAUSE_MS`.",
    "CROSSFADE_MS": "Fade length at every join.",
    "SILENCE_THRESHOLD_DBFS": "Level below which trimming and the checks count silence.",
    "OUTPUT_FORMAT": "`mp3`, `opus` or `wav` (a job's `output_format` overrides).",
    "MP3_BITRATE_KBPS": "Constant MP3 bitrate, 96–128.",
    "MP3_QUALITY": "LAME quality, 0 (best, slowest) – 9; 7 is LAME's fast mode, 5 encodes "
    "about 1.6x slower.",
    "PIPELINE_QUEUE_CHUNKS": "Chunks buffered between generation and assembly.",
    # The worker's storage and callbacks (worker/config.py `ServiceSettings`).
    "STORAGE_BACKEND": "Required: `r2`, or `local` (a directory) only with "
    "`WORKER_DEV_MODE=true`; the image sets `r2`.",
    "LOCAL_STORAGE_DIR": "The directory of the local backend.",
    "LOCAL_STORAGE_PUBLIC_URL": "Base of the URLs the local backend returns.",
    "R2_ACCOUNT_ID": "Gives the endpoint `https://<id>.r2.cloudflarestorage.com`.",
    "R2_ACCESS_KEY_ID": "The R2 API token's key id.",
    "R2_SECRET_ACCESS_KEY": "The R2 API token's secret.",
    "R2_BUCKET": "Bucket for audio, streams, checkpoints, voice profiles and dead letters.",
    "R2_PUBLIC_BASE_URL": "Required with `r2` (unless `R2_PRESIGNED_URLS`): https URL of the "
    "bucket's public access (custom domain or `r2.dev`); `audioUrl` = this + `/` + key, never "
    "expires.",
    "R2_PRESIGN_EXPIRY_S": "Lifetime of presigned URLs (at most 7 days).",
    "R2_MULTIPART_THRESHOLD_MB": "Files above this go up in parts of this size.",
    "STORAGE_MAX_ATTEMPTS": "Attempts of a storage call on 5xx, throttling and timeouts.",
    "STORAGE_BACKOFF_MAX_S": "Longest backoff between storage attempts.",
    "CALLBACK_SIGNING_SECRET@worker": "Required. `whsec_…`, shared with the callback API.",
    "CALLBACK_ALLOWED_HOSTS": "Required unless `WORKER_DEV_MODE`: comma-separated host names "
    "callbacks may go to (e.g. `api.example.com`); still resolved and checked.",
    "CALLBACK_ALLOW_LOOPBACK_HTTP": "Allow callbacks to loopback (`http://127.0.0.1`, "
    "`localhost`); only with `WORKER_DEV_MODE=true`.",
    "CALLBACK_CONNECT_TIMEOUT_S": "Connect timeout of one callback attempt.",
    "CALLBACK_READ_TIMEOUT_S": "Read timeout of one callback attempt.",
    "CALLBACK_MAX_ATTEMPTS": "Attempts per success or error callback before the dead letter.",
    "CALLBACK_BACKOFF_INITIAL_S": "First backoff between callback attempts (exponential, with "
    "jitter).",
    "CALLBACK_BACKOFF_MAX_S": "Longest backoff between callback attempts.",
    "CALLBACK_BREAKER_FAIL_MAX": "Failures in a row that open a callback circuit breaker.",
    "CALLBACK_BREAKER_RESET_S": "How long a callback circuit breaker stays open.",
    "PROGRESS_MIN_INTERVAL_S": "Progress throttle.",
    "PROGRESS_HEARTBEAT_S": "While a job runs, its latest progress is repeated at least this "
    "often (a silent story is a lost one).",
    "CHECKPOINT_UPLOAD_QUEUE": "Checkpoints waiting to be saved; past it, new ones are dropped "
    "and counted (generation never waits).",
    "CHECKPOINT_FETCH_AHEAD": "Reusable checkpoints fetched and decoded ahead of the generation "
    "loop.",
    "CHECKPOINT_FLUSH_S": "How long a finished or failed job waits for its last checkpoints to "
    "be saved.",
    # The Chatterbox engine (worker/engines/chatterbox/config.py `ChatterboxSettings`).
    "CHATTERBOX_VARIANT": "`english`, `multilingual` or `turbo`; must match the baked weights.",
    "CHATTERBOX_MODEL_DIR": "Directory of the weights (`from_local`).",
    "CHATTERBOX_MODEL_REVISION": "Hugging Face revision fetched at build time.",
    "CHATTERBOX_DEVICE": "`auto` and `cuda`: CUDA, else `model_unavailable`; `cpu` "
    "(development only, far slower than real time). The image sets `cuda`.",
    "CHATTERBOX_WARMUP": "One short generation at start-up.",
    "CHATTERBOX_MAX_CHUNK_CHARS": "The engine's chunk bound (40–400), well under the "
    "1,000-token cap.",
    "CHATTERBOX_EXAGGERATION": "Default emotion intensity (a job's `exaggeration` overrides).",
    "CHATTERBOX_CFG_WEIGHT": "Default classifier-free guidance (a job's `cfg_weight` overrides).",
    "CHATTERBOX_TEMPERATURE": "First attempt's temperature; each retry samples 0.1 cooler, "
    "down to 0.5 (a job asking for less keeps its own).",
    "CHATTERBOX_VOICE_CACHE_SIZE": "Voices kept loaded (LRU by content hash).",
    "CHATTERBOX_MAX_PROFILE_BYTES": "Largest voice profile accepted.",
    "CHATTERBOX_MAX_REFERENCE_BYTES": "Largest reference recording accepted.",
    "CHATTERBOX_MIN_REFERENCE_SECONDS": "Shorter recordings are `voice_profile_invalid`.",
    "CHATTERBOX_MAX_REFERENCE_SECONDS": "Longer recordings are cut.",
}
"""Meanings of fields that carry no docstring, keyed by variable (`NAME@service` where two
services read the same name). A docstring in the settings class wins; prefer writing one."""

OTHER_VARIABLES: tuple[Variable, ...] = (
    Variable(
        "GOOGLE_APPLICATION_CREDENTIALS",
        API,
        "–",
        "Read by Application Default Credentials (as are `gcloud auth application-default "
        "login` and the metadata server) when `FIREBASE_CREDENTIALS_FILE` is unset.",
    ),
    Variable("PORT", API, "`8000`", "The image's listening port."),
    Variable(
        "FORWARDED_ALLOW_IPS",
        API,
        "`127.0.0.1,::1`",
        "Read by uvicorn: the peers whose `X-Forwarded-For` and `X-Forwarded-Proto` it "
        "believes (for logged client addresses and the scheme); comma-separated IP addresses or "
        "CIDR networks (`10.0.0.5,10.8.0.0/16`). Set it to the load balancer's; `*` would let "
        "any client choose its address.",
    ),
    Variable(
        "LOG_LEVEL",
        WORKER,
        "`INFO`",
        "JSON logs on stderr (ids, types and timings; never text or secrets).",
    ),
    Variable(
        "RUNPOD_LOG_LEVEL",
        WORKER,
        "`INFO`",
        "The RunPod SDK's own level (its `DEBUG` logs whole job inputs).",
    ),
    Variable("HF_HUB_OFFLINE", IMAGE, "`1`", "The worker never downloads weights at run time."),
    Variable("TRANSFORMERS_OFFLINE", IMAGE, "`1`", "The same for transformers."),
    Variable("HF_HOME", IMAGE, "`/opt/hf`", "Hugging Face cache used at build time."),
    Variable(
        "PKUSEG_HOME",
        IMAGE,
        "`/opt/pkuseg`",
        "spacy-pkuseg's model, baked for `multilingual`; without it the load is "
        "`model_unavailable`.",
    ),
)
"""Variables read outside the settings classes: by a library, uvicorn, or set in the image."""


def settings_classes() -> tuple[tuple[str, type[BaseSettings]], ...]:
    """Imported here, not at the top, so `--help` works without either service's packages."""
    from callback_api.core.config import Settings
    from worker.config import ServiceSettings, SynthesisSettings
    from worker.engines.chatterbox.config import ChatterboxSettings

    return (
        (API, Settings),
        (WORKER, ServiceSettings),
        (WORKER, SynthesisSettings),
        (WORKER, ChatterboxSettings),
    )


def attribute_docstrings(cls: type) -> dict[str, str]:
    """The string literal that follows a field in the class body: what its author wrote."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    class_def = tree.body[0]
    assert isinstance(class_def, ast.ClassDef)
    docs: dict[str, str] = {}
    for field, after in itertools.pairwise(class_def.body):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[field.target.id] = " ".join(after.value.value.split())
    return docs


def format_default(value: object) -> str:
    if value is None or value is PydanticUndefined or value in ("", frozenset(), ()):
        return "–"
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def env_name(prefix: str, field_name: str, info: FieldInfo) -> str:
    """The variable pydantic-settings reads: an alias replaces the prefixed field name."""
    alias = info.validation_alias or info.alias
    if isinstance(alias, str):
        return alias.upper()
    if isinstance(alias, AliasChoices):
        return " / ".join(str(choice).upper() for choice in alias.choices)
    return prefix + field_name.upper()


def settings_variables(service: str, cls: type[BaseSettings]) -> list[Variable]:
    prefix = str(cls.model_config.get("env_prefix") or "").upper()
    docs = attribute_docstrings(cls)
    rows = []
    for field_name, info in cls.model_fields.items():
        name = env_name(prefix, field_name, info)
        default = info.get_default(call_default_factory=True)
        meaning = info.description or docs.get(field_name)
        meaning = meaning or NOTES.get(f"{name}@{service}") or NOTES.get(name)
        if not meaning:
            raise SystemExit(
                f"{cls.__module__}.{cls.__name__}.{field_name} ({name}) has no meaning: give it "
                "a docstring (a string literal under the field), then run "
                "`python -m tools.config_docs`"
            )
        if "SecretStr" in repr(info.annotation):
            meaning = f"*Secret.* {meaning}"
        rows.append(Variable(name, service, format_default(default), meaning))
    return rows


def all_variables() -> list[Variable]:
    rows = [row for service, cls in settings_classes() for row in settings_variables(service, cls)]
    taken = {(row.name, row.service) for row in rows}
    for extra in OTHER_VARIABLES:
        if (extra.name, extra.service) in taken:
            raise SystemExit(
                f"{extra.name} is a settings field now: remove it from OTHER_VARIABLES in "
                "tools/config_docs.py"
            )
    return sorted([*rows, *OTHER_VARIABLES], key=lambda row: (row.name, row.service))


HEADER = """\
<!-- Generated by `python -m tools.config_docs` from the settings classes; do not edit by hand.
     tests/test_docs.py fails when this file and the code disagree. -->
# Configuration

Every environment variable of both services, in one table. **Read by**: `API` is the callback
API (`callback_api/core/config.py`), `worker` the RunPod worker (`worker/config.py`,
`worker/engines/chatterbox/config.py`), `image` a value `Dockerfile.worker` sets for the
libraries inside it. A variable marked *secret* belongs in the platform's secret store, never in
an image or a repository; [Deployment](deployment.md) says which component needs which. An
invalid value stops the API at start-up, and makes the worker refuse every job with
`worker_misconfigured`, naming the variable (never its value).

| variable | read by | default | meaning |
|---|---|---|---|
"""


def escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    lines = [
        f"| `{row.name}` | {row.service} | {row.default} | {escape_cell(row.meaning)} |"
        for row in all_variables()
    ]
    return HEADER + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if TARGET.read_text() != text:
            print(f"{TARGET.relative_to(REPO)} is stale: run `python -m tools.config_docs`")
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
