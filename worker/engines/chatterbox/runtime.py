"""The torch side of the Chatterbox engine, and how its failures are told apart.

`Runtime` is every torch call the engine makes; `TorchRuntime` implements it and the tests use a
numpy stand-in, so nothing here imports torch before the engine is constructed. The same goes
for the release's own packages, imported through `import_package`. CUDA errors are classified
by name and message (torch may not be importable where they are checked): an out-of-memory
error can be recovered from, a device error leaves the CUDA context unusable, and either one
means the worker should be replaced rather than the job failed for good.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt

from shared.errors import ModelUnavailableError, TTSError

Array = npt.NDArray[Any]
"""What `to_numpy` returns: token ids, embeddings or audio, in the tensor's own dtype."""
ToNumpy = Callable[[Any], Array]

_OOM_MESSAGES = ("out of memory", "cublas_status_alloc_failed")
_DEVICE_ERROR_MESSAGES = (
    "cuda error",
    "device-side assert",
    "illegal memory access",
    "cublas_status_execution_failed",
    "cudnn_status",
    "unspecified launch failure",
)


class Runtime(Protocol):
    """The torch calls the adapter makes; tests replace it with a numpy stand-in."""

    def cuda_available(self) -> bool: ...

    def inference_mode(self) -> AbstractContextManager[Any]: ...

    def autocast_bf16(self) -> AbstractContextManager[Any]: ...

    def manual_seed(self, seed: int) -> None: ...

    def empty_cache(self) -> None: ...

    def to_numpy(self, tensor: Any) -> Array: ...


class TorchRuntime:
    def __init__(self) -> None:
        import torch

        self._torch = torch

    def cuda_available(self) -> bool:
        return bool(self._torch.cuda.is_available())

    def inference_mode(self) -> AbstractContextManager[Any]:
        return cast(AbstractContextManager[Any], self._torch.inference_mode())

    def autocast_bf16(self) -> AbstractContextManager[Any]:
        autocast = self._torch.autocast("cuda", dtype=self._torch.bfloat16)
        return cast(AbstractContextManager[Any], autocast)

    def manual_seed(self, seed: int) -> None:
        self._torch.manual_seed(seed)

    def empty_cache(self) -> None:
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()

    def to_numpy(self, tensor: Any) -> Array:
        if not self._torch.is_tensor(tensor):
            return np.asarray(tensor)
        tensor = tensor.detach().cpu()
        return np.asarray((tensor.float() if tensor.is_floating_point() else tensor).numpy())


def load_torch_runtime() -> Runtime:
    try:
        return TorchRuntime()
    except ImportError as exc:
        raise _not_installed(exc) from exc


def import_package(name: str, import_module: Callable[[str], ModuleType]) -> ModuleType:
    """A package the engine needs (`chatterbox.*`, `perth`); missing is `model_unavailable`."""
    try:
        return import_module(name)
    except ImportError as exc:
        raise _not_installed(exc) from exc


def _not_installed(exc: ImportError) -> ModelUnavailableError:
    return ModelUnavailableError(
        details=f"the chatterbox engine is not installed in this image ({exc.name})"
    )


def is_cuda_oom(exc: BaseException) -> bool:
    """`torch.cuda.OutOfMemoryError` (matched by name: torch may not be importable here)."""
    if any(cls.__name__ == "OutOfMemoryError" for cls in type(exc).__mro__):
        return True
    return isinstance(exc, RuntimeError) and any(m in str(exc).lower() for m in _OOM_MESSAGES)


def is_cuda_device_error(exc: BaseException) -> bool:
    """Errors after which the CUDA context is unusable: the worker must be replaced."""
    if any(cls.__name__ == "AcceleratorError" for cls in type(exc).__mro__):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(m in text for m in _DEVICE_ERROR_MESSAGES)


def gpu_at_fault(exc: BaseException) -> bool:
    """Recycle the worker when the GPU is at fault; a broken image would fail the same anew."""
    if isinstance(exc, TTSError):
        return exc.refresh_worker
    return is_cuda_oom(exc) or is_cuda_device_error(exc)
