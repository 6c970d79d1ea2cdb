"""CUDA error classification, without torch."""

from __future__ import annotations

import types

from tests.helpers import chatterbox_standin as standin
from worker.engines.chatterbox.runtime import is_cuda_device_error, is_cuda_oom


def test_oom_and_device_errors_are_recognised_without_torch() -> None:
    assert is_cuda_oom(standin.cuda_oom())
    assert is_cuda_oom(RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB"))
    assert not is_cuda_oom(ValueError("out of range"))
    assert is_cuda_device_error(standin.device_assert())
    assert is_cuda_device_error(RuntimeError("CUDA error: an illegal memory access"))
    assert not is_cuda_device_error(standin.cuda_oom())
    assert not is_cuda_device_error(RuntimeError("shape mismatch"))
    accelerator = types.new_class("AcceleratorError", (RuntimeError,))
    assert is_cuda_device_error(accelerator("unspecified"))
