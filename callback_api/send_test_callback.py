"""Sign and send one test callback, as the worker would.

    export CALLBACK_SIGNING_SECRET=whsec_...
    python -m callback_api.send_test_callback --story-id test_story_123 \\
        --error "Voice profile not found" --user-id test_user_456

Sends the original manual test's error payload by default; `--type success` or `--type progress`
send the other callbacks (with a job id and start time, which those require). The secret is read
from the environment only, so that it stays out of shell history. Exits 0 on a 2xx answer.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime

from shared.callbacks import (
    TTSCallbackRequest,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.signing import sign

PATHS = {
    "error": "/api/tts/error-callback",
    "success": "/api/tts/callback",
    "progress": "/api/tts/progress",
}


def build_callback(args: argparse.Namespace) -> TTSCallbackRequest:
    common = {"story_id": args.story_id, "user_id": args.user_id}
    now = datetime.now(UTC)
    if args.type == "error":
        job = {"job_id": args.job_id, "job_started_at": now} if args.job_id else {}
        return TTSErrorCallbackRequest(**common, **job, error=args.error)
    job = {"job_id": args.job_id or "manual-test", "job_started_at": now}
    if args.type == "success":
        return TTSSuccessCallbackRequest(
            **common, **job, audio_url=args.audio_url, duration_seconds=args.duration
        )
    return TTSProgressCallbackRequest(
        **common, **job, chunks_done=args.done, chunks_total=args.total
    )


def send(url: str, secret: str, callback: TTSCallbackRequest, timeout: float) -> tuple[int, str]:
    body = callback.to_body()
    headers = {"content-type": "application/json", **sign(secret, body)}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Sign and send one test callback.")
    parser.add_argument("--url", default="http://localhost:8000", help="the API's base URL")
    parser.add_argument("--type", choices=sorted(PATHS), default="error")
    parser.add_argument("--story-id", required=True)
    parser.add_argument("--user-id")
    parser.add_argument("--job-id", help="omit for the minimal error payload")
    parser.add_argument("--error", default="Voice profile not found")
    parser.add_argument("--audio-url", default="https://audio.example/test.mp3")
    parser.add_argument("--duration", type=float, default=12.5)
    parser.add_argument("--done", type=int, default=1)
    parser.add_argument("--total", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=10.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    secret = os.environ.get("CALLBACK_SIGNING_SECRET")
    if not secret:
        print("set CALLBACK_SIGNING_SECRET to the API's signing secret", file=sys.stderr)
        return 2
    url = args.url.rstrip("/") + PATHS[args.type]
    status, answer = send(url, secret, build_callback(args), args.timeout)
    print(f"{status} {answer}")
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
