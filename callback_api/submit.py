"""Submit one story job to RunPod: `python -m callback_api.submit job.json`.

    export CALLBACK_SIGNING_SECRET=whsec_... RUNPOD_API_KEY=... RUNPOD_ENDPOINT_ID=...
    export CALLBACK_API_PUBLIC_URL=https://api.example.com GOOGLE_CLOUD_PROJECT=...
    python -m callback_api.submit job.json          # prints the job id

The story is handed to its next submission in Firestore first (`services/submission.py`), so the
command needs the API's Firestore settings too (credentials, or `FIRESTORE_EMULATOR_HOST`).

`job.json` holds the job input (`TTSJobInput`: text, story_id, user_id, …); `callback_url`
defaults to this API's `/api/tts/callback`.
`--endpoint-url` overrides `{RUNPOD_API_BASE_URL}/{RUNPOD_ENDPOINT_ID}`, e.g. RunPod's local API
(`http://127.0.0.1:8010`); `--webhook-base-url` overrides `CALLBACK_API_PUBLIC_URL`. Secrets
are read from the environment only. Exits 2 on invalid input or an unknown story, 1 when
Firestore or RunPod refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError, StoryNotFoundError
from callback_api.services.runpod_api import RunPodError
from callback_api.services.stories import opened_store
from callback_api.services.submission import SubmittedJob, submit_story_job
from shared.errors import InvalidInputError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Submit one story job to RunPod.")
    parser.add_argument("input", type=Path, help="a JSON file with the job input")
    parser.add_argument("--endpoint-url", help="default: RUNPOD_API_BASE_URL/RUNPOD_ENDPOINT_ID")
    parser.add_argument("--webhook-base-url", help="default: CALLBACK_API_PUBLIC_URL")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings()
    endpoint_url = args.endpoint_url or settings.runpod_endpoint_url
    webhook_base_url = args.webhook_base_url or settings.callback_api_public_url
    if not settings.signing_secrets or not endpoint_url or not webhook_base_url:
        print(
            "set CALLBACK_SIGNING_SECRET, RUNPOD_ENDPOINT_ID (or --endpoint-url) and "
            "CALLBACK_API_PUBLIC_URL (or --webhook-base-url)",
            file=sys.stderr,
        )
        return 2
    api_key = settings.runpod_api_key.get_secret_value() if settings.runpod_api_key else None
    try:
        job_input = json.loads(args.input.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.input.name} as JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(job_input, dict):
        print(f"error: {args.input.name} must hold a JSON object, the job input", file=sys.stderr)
        return 2
    job_input.setdefault("callback_url", f"{webhook_base_url.rstrip('/')}/api/tts/callback")
    try:
        submitted = asyncio.run(
            _submit(settings, job_input, endpoint_url, api_key, webhook_base_url)
        )
    except InvalidInputError as exc:
        print(f"error: {exc.error_type.value}: {exc.message}", file=sys.stderr)
        return 2
    except StoryNotFoundError:
        print(f"error: no story {job_input.get('story_id')!r} in Firestore", file=sys.stderr)
        return 2
    except (RunPodError, CallbackAPIError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(submitted.job_id)
    return 0


async def _submit(
    settings: Settings,
    job_input: dict[str, Any],
    endpoint_url: str,
    api_key: str | None,
    webhook_base_url: str,
) -> SubmittedJob:
    async with opened_store(settings) as stories:
        return await submit_story_job(
            job_input,
            stories=stories,
            endpoint_url=endpoint_url,
            api_key=api_key,
            webhook_base_url=webhook_base_url,
            secret=settings.signing_secrets[0],
            shared_voice_prefix=settings.shared_voice_prefix,
        )


if __name__ == "__main__":
    sys.exit(main())
