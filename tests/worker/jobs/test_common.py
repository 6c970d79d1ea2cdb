"""Runner plumbing: the engine-or-error guard and the failure output."""

from __future__ import annotations

import pytest

from shared.errors import GPUOutOfMemoryError, InternalError, ModelUnavailableError
from worker.jobs.common import Loaded, failure_output, salvage_id, salvage_story_id


def test_a_loaded_value_is_handed_out_and_mapped() -> None:
    loaded = Loaded.ready(2).map(lambda n: n * 21)
    assert loaded.get() == 42


def test_a_failed_load_raises_its_error_at_every_use_without_growing_tracebacks() -> None:
    loaded = Loaded.attempt(lambda: 1 / 0, "engine").map(lambda n: n + 1)
    depths = []
    for _ in range(3):
        with pytest.raises(InternalError) as info:
            loaded.get()
        depths.append(len(info.traceback))
    assert info.value.error_type.value == "internal_error"
    assert depths[0] == depths[-1]


def test_a_typed_load_error_is_kept_as_it_is() -> None:
    error = ModelUnavailableError(details="weights missing")
    with pytest.raises(ModelUnavailableError) as info:
        Loaded.failed(error).get()
    assert info.value is error


def test_the_failure_output_marks_the_job_failed_and_asks_for_a_new_worker_only_when_told() -> None:
    error = GPUOutOfMemoryError()
    calm = failure_output(error, refresh_worker=False, stage="generation", callback_delivered=True)
    assert calm == {
        "error": error.message,
        "error_type": "gpu_out_of_memory",
        "retryable": True,
        "stage": "generation",
        "callback_delivered": True,
    }
    assert failure_output(error, refresh_worker=True, callback_delivered=None)["refresh_worker"]


def test_salvage_keeps_only_valid_ids() -> None:
    assert salvage_story_id("story_1") == "story_1"
    assert salvage_story_id("__reserved__") is None
    assert salvage_id("a/b") is None
    assert salvage_id(None) is None
