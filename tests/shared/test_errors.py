import json

import pytest

from shared import errors
from shared.errors import ErrorType, TTSError, as_tts_error


def _leaf_classes(cls: type[TTSError]) -> list[type[TTSError]]:
    """The concrete errors: classes whose `error_type` no subclass of theirs repeats."""
    found = [cls] if cls.__module__ == errors.__name__ else []
    for sub in cls.__subclasses__():
        found = [f for f in found if f.error_type is not sub.error_type] + _leaf_classes(sub)
    return found


ERRORS_BY_TYPE = {cls.error_type: cls for cls in _leaf_classes(TTSError)}


def test_every_error_type_has_exactly_one_class() -> None:
    assert set(ERRORS_BY_TYPE) == set(ErrorType)
    for error_type, cls in ERRORS_BY_TYPE.items():
        assert cls().error_type is error_type
        assert issubclass(cls, TTSError)


@pytest.mark.parametrize("cls", list(ERRORS_BY_TYPE.values()))
def test_default_messages_are_fit_for_the_ui(cls: type[TTSError]) -> None:
    message = cls().message
    assert message.endswith(".")
    assert "_" not in message
    assert "Traceback" not in message


def test_families_group_related_errors() -> None:
    assert issubclass(errors.TextEmptyError, errors.InvalidInputError)
    assert issubclass(errors.VoiceProfileMissingError, errors.VoiceProfileError)
    assert issubclass(errors.GPUOutOfMemoryError, errors.EngineError)
    assert issubclass(errors.StorageAuthError, errors.StorageError)


def test_retryable_marks_transient_failures() -> None:
    assert errors.StorageUploadError().retryable
    assert errors.GPUOutOfMemoryError().retryable
    assert not errors.StorageAuthError().retryable
    assert not errors.TextTooLongError().retryable
    assert not errors.VoiceProfileMissingError().retryable


def test_refresh_worker_is_an_attribute_not_context() -> None:
    error = errors.ModelUnavailableError(details="CUDA device error", refresh_worker=True)
    assert error.refresh_worker is True
    assert error.context == {}
    assert errors.GPUOutOfMemoryError().refresh_worker is False


def test_unknown_exceptions_become_internal_errors_without_their_text() -> None:
    translated = as_tts_error(FileNotFoundError("/secret/path/story.txt"))
    assert translated.error_type is ErrorType.INTERNAL_ERROR
    assert "/secret" not in json.dumps([translated.message, translated.details])
    assert "FileNotFoundError" in (translated.details or "")
    known = errors.TextEmptyError()
    assert as_tts_error(known) is known
