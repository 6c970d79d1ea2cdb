"""RunPod kills a job `CALLBACK_GRACE_S` after the worker's deadline. Everything the worker
may still do once its deadline has passed, added up from the default settings with every
timeout reached and every backoff at its longest, must end before that."""

from __future__ import annotations

from shared.deadlines import CALLBACK_GRACE_S, execution_timeout_s, job_deadline_s
from worker.config import ServiceSettings
from worker.delivery.progress import PROGRESS_ATTEMPTS
from worker.storage import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, UPLOAD_REQUESTS_IN_TURN
from worker.streaming.publisher import CLOSE_MARGIN_S


def after_the_deadline(s: ServiceSettings) -> dict[str, float]:
    """In the order the job runs them once the last chunk is encoded at its deadline."""
    per_request = CONNECT_TIMEOUT_S + READ_TIMEOUT_S

    def callback(attempts: int) -> float:
        # each attempt up to its connect and read timeouts; each wait up to the longest
        # backoff (a Retry-After is honoured up to it)
        per_attempt = s.callback_connect_timeout_s + s.callback_read_timeout_s
        return attempts * per_attempt + (attempts - 1) * s.callback_backoff_max_s

    return {
        # retried for the window, then one more wait and one last attempt of a multipart upload
        "final upload": s.storage_file_retry_s
        + s.storage_backoff_max_s
        + UPLOAD_REQUESTS_IN_TURN * per_request,
        # uploads start for the flush's time; one still under way then is left behind
        "stream flush": s.stream_flush_s + CLOSE_MARGIN_S,
        "progress drain": callback(PROGRESS_ATTEMPTS),  # the one in flight
        "checkpoint flush": s.checkpoint_flush_s,
        "terminal callback": callback(s.callback_max_attempts),
        "dead letter": s.storage_max_attempts * per_request
        + (s.storage_max_attempts - 1) * s.storage_backoff_max_s,
    }


def test_everything_after_the_deadline_fits_in_runpods_grace() -> None:
    steps = after_the_deadline(ServiceSettings())
    assert steps == {
        "final upload": 60 + 8 + 4 * 65,
        "stream flush": 10 + 1,
        "progress drain": 2 * 20 + 30,
        "checkpoint flush": 20,
        "terminal callback": 5 * 20 + 4 * 30,
        "dead letter": 4 * 65 + 3 * 8,
    }
    assert sum(steps.values()) == 933
    assert sum(steps.values()) <= CALLBACK_GRACE_S


def test_runpods_execution_timeout_leaves_the_grace_after_every_deadline() -> None:
    for chars in (10, 5_000, 50_000):
        deadline = job_deadline_s(chars)
        assert execution_timeout_s(deadline) - deadline == CALLBACK_GRACE_S
    default = ServiceSettings().job_deadline_s
    assert default == job_deadline_s(50_000)
