"""Starting (or restarting: "Try again") a story's narration for the app.

`Narrator.start` does, in order, and stops at the first refusal. Steps 1 to 3 are one
Firestore transaction (`StoryStore.begin_request`, with `_Gate`): one read of the story, the
user's limits document and the voice, one commit; a refusal raised in it writes nothing.

1. The story must exist and be the user's (`STORY_OWNER_FIELD`), else `StoryNotFoundError`:
   another user's story gets the same answer as a missing one. A `voice_id` must name a
   `ready` voice of the user (`VOICES_COLLECTION`), else 404 `voice_not_found` or 422
   `voice_not_ready`.
2. The job input is checked by the worker's own parser: a text or voice the worker would
   refuse is refused now with its typed error (422), before anything is written or sent.
3. The request's key (a hash of the request, or of its `Idempotency-Key`; never the text) is
   compared with the one that made the story's current submission: a repeat joins that
   submission (`submission_rules.joins`) and answers its job. Otherwise the per-user limits are
   taken (`limits.py`) and the story is handed to a new submission with the key, both written in
   the same commit; simultaneous clicks meet in that transaction, so one of them
   submits and the others join it, answering its job once it is recorded. A commit whose
   answer is lost is read back (`StoryStore.begin_request`); a joined submission whose job
   never comes (its request died) is replaced by a new one: none is followed without a job.
4. RunPod's `/run` as the submission helper does (`submission.py`); refused or unanswered,
   the story fails with `submission_failed` and the answer is 502.
5. The job the story followed before, when it may still run (`pending`/`processing`), is
   cancelled in RunPod, best effort: its callbacks are stale from now on anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from google.cloud.firestore import AsyncDocumentReference
from pydantic import TypeAdapter, ValidationError

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError, InvalidRequestError, StoryNotFoundError
from callback_api.services.limits import FIELDS, Limits
from callback_api.services.rules import AWAITING, AudioStatus, Outcome, SubmissionRequest
from callback_api.services.runpod_api import RunPodError
from callback_api.services.stories import Begun, StoryStore
from callback_api.services.submission import (
    cancel_job,
    fail_submission,
    job_body,
    parse_story_input,
    run_job,
    submission_error,
)
from callback_api.services.targets import JobTarget
from shared.errors import SubmissionFailedError, TextEmptyError
from shared.job_input import TTSJobInput
from shared.types import StoryId

logger = logging.getLogger("callback_api.narration")

JOIN_WINDOW_S = 10.0
"""An identical request this soon after a submission that is still pending joins it."""
JOIN_POLL_S = 0.1
VOICE_FIELDS = ("userId", "status", "profileKey")
_VOICE_ID: TypeAdapter[str] = TypeAdapter(StoryId)  # a Firestore document id, as the job's


class VoiceNotFoundError(CallbackAPIError):
    status_code = 404
    public_message = "voice not found"
    error_type = "voice_not_found"
    outcome = "rejected"


class VoiceNotReadyError(CallbackAPIError):
    status_code = 422
    public_message = (
        "This voice is still being prepared. Please wait until it is ready, then try again."
    )
    error_type = "voice_not_ready"
    outcome = "rejected"

    @property
    def field(self) -> str | None:
        return "voice_id"


class NarrationUnavailableError(CallbackAPIError):
    """This API cannot submit jobs: RunPod, `CALLBACK_API_PUBLIC_URL` or the secret is unset."""

    status_code = 503
    public_message = "narration is not available on this server, retry later"
    error_type = "narration_unavailable"
    outcome = "unavailable"


@dataclass(frozen=True)
class Narration:
    story_id: str
    submission: int
    job_id: str


class Narrator:
    def __init__(self, store: StoryStore, settings: Settings, http: httpx.AsyncClient) -> None:
        self._store = store
        self._settings = settings
        self._http = http
        self._limits = Limits(store, settings)
        self._voices = store.client.collection(settings.voices_collection)
        self._target = JobTarget.of(settings)

    async def start(
        self,
        story_id: str,
        user_id: str,
        options: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> Narration:
        """Start the story's narration with `options` (the body's job fields); see the module."""
        target = self._target
        if target is None:
            raise NarrationUnavailableError(JobTarget.MISSING)
        voice = self._voice_document(options)
        callback_url = f"{target.public_url.rstrip('/')}/api/tts/callback"
        gate = _Gate(self._settings, self._limits, story_id, user_id, options, voice)
        gate.idempotency_key, gate.callback_url = idempotency_key, callback_url
        begun = await self._store.begin_request(story_id, gate)
        if begun.joined:
            joined = await self._joined(story_id, begun)
            if joined is not None:
                return joined
            # The submission joined never got a job: its request died, or its commit landed
            # after it was told otherwise. Start another, rather than follow one without a job.
            logger.warning(
                "joined submission without a job; starting anew",
                extra={"story_id": story_id, "submission": begun.submission},
            )
            gate.abandoned, gate.at = begun.submission, datetime.now(UTC)
            begun = await self._store.begin_request(story_id, gate)
            if begun.joined:  # yet another request got there first: answer its job
                rejoined = await self._joined(story_id, begun)
                if rejoined is None:
                    raise _pending(begun)
                return rejoined
        assert gate.job is not None  # set by the attempt that committed
        job_input, parsed = gate.job
        body = job_body(job_input, parsed, begun.submission, target.public_url, target.secret)
        job_id = await self._run(target, story_id, begun, body)
        await self._cancel_superseded(target, begun, job_id)
        return Narration(story_id, begun.submission, job_id)

    def _voice_document(self, options: Mapping[str, Any]) -> AsyncDocumentReference | None:
        """The voice document `options["voice_id"]` names, read with the story."""
        voice_id = options.get("voice_id")
        if voice_id is None:
            return None
        if options.get("voice_storage_key") is not None:
            raise InvalidRequestError("give voice_id or voice_storage_key, not both", "voice_id")
        try:
            _VOICE_ID.validate_python(voice_id)
        except ValidationError:
            raise VoiceNotFoundError("not a voice id") from None
        return self._voices.document(voice_id)

    async def _run(self, target: JobTarget, story_id: str, begun: Begun, body: Any) -> str:
        submission = begun.submission
        url = target.run_url
        try:
            job_id = await run_job(url, body, target.api_key, self._http, 0)  # http's timeout
        except RunPodError as exc:
            await fail_submission(self._store, story_id, submission, exc)
            failure = submission_error(exc)
            raise failure from None
        try:
            recorded = await self._store.record_job(story_id, submission, job_id, begun.written_at)
        except CallbackAPIError as exc:
            # The job's callbacks carry its number and record its id themselves.
            logger.warning("job id not recorded", extra={"story_id": story_id, "failure": str(exc)})
            return job_id
        if recorded.outcome in (Outcome.STALE, Outcome.CONFLICT):
            # Another submission (or job) took the story meanwhile: this job's callbacks would
            # all be stale, so it is cancelled rather than left to run.
            logger.warning("job overtaken; cancelled", extra={"story_id": story_id})
            await cancel_job(target.endpoint_url, job_id, target.api_key, self._http)
        return job_id

    async def _cancel_superseded(self, target: JobTarget, begun: Begun, job_id: str) -> None:
        previous = begun.previous_job_id
        if begun.previous_status in AWAITING and previous not in (None, job_id):
            assert previous is not None
            await cancel_job(target.endpoint_url, previous, target.api_key, self._http)

    async def _joined(self, story_id: str, begun: Begun) -> Narration | None:
        """The job of the submission this request joined, once its first request has it; None
        if none came in time (RunPod's timeout and two Firestore deadlines) while the story
        still waits on that submission."""
        if begun.previous_job_id is not None:
            return Narration(story_id, begun.submission, begun.previous_job_id)
        settings = self._settings
        deadline = time.monotonic() + settings.runpod_timeout_seconds + 2 * self._store.timeout
        fields = ["audioSubmission", "audioJobId", "audioStatus", "audioError"]
        while time.monotonic() < deadline:
            await asyncio.sleep(JOIN_POLL_S)
            story = await self._store.read(story_id, fields) or {}
            if story.get("audioSubmission") != begun.submission:
                raise _pending(begun)  # a newer submission took the story meanwhile
            job_id = story.get("audioJobId")
            if isinstance(job_id, str):
                return Narration(story_id, begun.submission, job_id)
            if story.get("audioStatus") == AudioStatus.FAILED:
                message = story.get("audioError")
                raise SubmissionFailedError(message if isinstance(message, str) else None)
        return None


class _Gate:
    """The narration's side of the submission's transaction (`story_transactions.Admission`):
    the owner, the text and the voice are read with the story; the job input is checked as the
    worker checks it; a new submission takes the user's limits (`limits.py`). Any refusal is
    raised inside the transaction, which then writes nothing."""

    def __init__(
        self,
        settings: Settings,
        limits: Limits,
        story_id: str,
        user_id: str,
        options: Mapping[str, Any],
        voice: AsyncDocumentReference | None,
    ) -> None:
        self._settings, self._limits = settings, limits
        self._story_id, self._user_id = story_id, user_id
        self._options = options
        self._voice = voice
        self._user = limits.document(user_id)
        self.idempotency_key: str | None = None
        self.callback_url = ""
        self.documents = [self._user] if voice is None else [self._user, voice]
        self.fields = [
            settings.story_owner_field,
            settings.story_text_field,
            *FIELDS,
            *(VOICE_FIELDS if voice is not None else ()),
        ]
        self.lock_key: str | None = user_id
        self.at = datetime.now(UTC)
        self.abandoned: int | None = None
        self.job: tuple[dict[str, Any], TTSJobInput] | None = None
        """The job input and its parsed form, from the attempt that committed."""

    def request(
        self, story: Mapping[str, Any], others: Mapping[str, dict[str, Any] | None]
    ) -> SubmissionRequest:
        settings = self._settings
        if story.get(settings.story_owner_field) != self._user_id:
            raise StoryNotFoundError("no story of this user")
        voice = {} if self._voice is None else _voice_fields(self._voice, others, self._user_id)
        options = self._options
        job_input = {
            **voice,
            **{k: v for k, v in options.items() if k not in ("voice_id", "text")},
            "text": _text(options, story, settings.story_text_field),
            "story_id": self._story_id,
            "user_id": self._user_id,
            "callback_url": self.callback_url,
        }
        parsed = parse_story_input(job_input, settings.shared_voice_prefix)
        if not parsed.text:
            raise TextEmptyError(context={"field": "text"})
        self.job = job_input, parsed
        key = _request_key(self._user_id, self._story_id, job_input, self.idempotency_key)
        idempotent = self.idempotency_key is not None
        return SubmissionRequest(key, self.at, idempotent, JOIN_WINDOW_S, self.abandoned)

    async def admit(
        self, story_id: str, submission: int, others: Mapping[str, dict[str, Any] | None]
    ) -> list[tuple[AsyncDocumentReference, dict[str, Any]]]:
        user = others.get(self._user.path)
        admitted = await self._limits.admit(self._user_id, user, story_id, submission, self.at)
        return [(self._user, admitted)]


def _voice_fields(
    ref: AsyncDocumentReference, others: Mapping[str, dict[str, Any] | None], user_id: str
) -> dict[str, Any]:
    """The job's voice fields: the user's ready voice."""
    voice = others.get(ref.path) or {}
    if voice.get("userId") != user_id:
        raise VoiceNotFoundError("no voice of this user")
    if voice.get("status") != "ready" or not voice.get("profileKey"):
        raise VoiceNotReadyError(str(voice.get("status")))
    return {"voice_id": ref.id, "voice_storage_key": voice["profileKey"]}


def _pending(begun: Begun) -> NarrationPendingError:
    return NarrationPendingError(f"submission {begun.submission} has no job id")


class NarrationPendingError(CallbackAPIError):
    """A request joined a submission whose job id did not appear in time; asking again with
    the same request (or `Idempotency-Key`) answers its job."""

    status_code = 503
    public_message = "the narration is still being started, retry later"
    error_type = "narration_pending"
    outcome = "unavailable"


def _text(options: Mapping[str, Any], story: Mapping[str, Any], text_field: str) -> Any:
    text = options.get("text")
    if text is None:
        text = story.get(text_field)
    if text is None or (isinstance(text, str) and not text.strip()):
        raise TextEmptyError(context={"field": "text"})
    return text


def _request_key(
    user_id: str, story_id: str, job_input: Mapping[str, Any], idempotency_key: str | None
) -> str:
    """A hash of the client's `Idempotency-Key`, or of the request itself; the story keeps the
    hash only, never the text."""
    subject: Any = {"idempotency_key": idempotency_key} if idempotency_key else job_input
    canonical = json.dumps([user_id, story_id, subject], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _request(
    user_id: str, story_id: str, job_input: Mapping[str, Any], idempotency_key: str | None
) -> SubmissionRequest:
    """The request made now, keyed by `_request_key` (voices key their requests alike)."""
    key = _request_key(user_id, story_id, job_input, idempotency_key)
    return SubmissionRequest(key, datetime.now(UTC), idempotency_key is not None, JOIN_WINDOW_S)
