import importlib.util

import pytest

from shared.errors import ModelUnavailableError
from shared.types import ENGINE_NAMES
from worker import engines


def test_auto_picks_piper_without_cuda_or_chatterbox(monkeypatch) -> None:
    assert engines.resolve_engine_name("auto") == "piper"
    monkeypatch.setattr(engines, "_cuda_available", lambda: True)
    if importlib.util.find_spec("chatterbox") is None:
        assert engines.resolve_engine_name("auto") == "piper"


def test_auto_picks_chatterbox_when_package_and_cuda_are_present(monkeypatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(engines, "_cuda_available", lambda: True)
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "chatterbox" else real_find_spec(name, *a),
    )
    assert engines.resolve_engine_name("auto") == "chatterbox"


def test_explicit_names_are_kept() -> None:
    assert engines.resolve_engine_name("piper") == "piper"
    assert engines.resolve_engine_name("chatterbox") == "chatterbox"


def test_unknown_engine_is_model_unavailable() -> None:
    with pytest.raises(ModelUnavailableError):
        engines.load_engine("espeak")


def test_missing_engine_package_is_model_unavailable_not_a_crash() -> None:
    with pytest.raises(ModelUnavailableError) as info:
        engines.load_engine("chatterbox")
    assert "not installed" in (info.value.details or "")


def test_every_engine_name_the_settings_accept_can_be_loaded() -> None:
    assert set(engines._ENGINES) | {"auto"} == set(ENGINE_NAMES)
