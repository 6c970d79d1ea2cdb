"""The docs stay true: the configuration page is what the settings say, the README stays a
landing page with the two set-up commands, and every error an app can see is explained.

The site itself (links and anchors) is checked by `mkdocs build --strict` in `make test`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

import callback_api.main  # noqa: F401 - imports every route and service, and their errors
from callback_api.core.errors import CallbackAPIError
from shared.errors import ErrorType
from tools import config_docs, speech_docs

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = REPO / "README.md"


def table_rows(page: str) -> list[tuple[str, str, str, str]]:
    """The configuration table's rows: variable, read by, default, meaning."""
    pattern = r"^\| `([A-Z0-9_ /]+)` \| (\w+) \| (.+?) \| (.+) \|$"
    return re.findall(pattern, page, re.MULTILINE)


def test_the_configuration_page_is_what_the_generator_writes() -> None:
    written = (DOCS / "configuration.md").read_text()
    assert written == config_docs.render(), "stale: run `python -m tools.config_docs`"


def test_the_check_mode_agrees() -> None:
    assert config_docs.main(["--check"]) == 0


def test_the_languages_page_is_what_the_generator_writes() -> None:
    written = (DOCS / "languages.md").read_text()
    assert written == speech_docs.render(), "stale: run `python -m tools.speech_docs`"


def test_every_settings_field_has_a_row_with_a_meaning() -> None:
    rows = {
        (name, service): meaning
        for name, service, _, meaning in table_rows((DOCS / "configuration.md").read_text())
    }
    for service, cls in config_docs.settings_classes():
        prefix = str(cls.model_config.get("env_prefix") or "").upper()
        for field in cls.model_fields:
            key = (prefix + field.upper(), service)
            assert key in rows, f"{key} missing from docs/configuration.md"
            assert len(rows[key].strip()) > 10, f"{key} has no meaning"


def test_the_variables_read_elsewhere_are_in_the_same_table() -> None:
    names = {name for name, *_ in table_rows((DOCS / "configuration.md").read_text())}
    assert {extra.name for extra in config_docs.OTHER_VARIABLES} <= names
    assert {"FORWARDED_ALLOW_IPS", "HF_HUB_OFFLINE", "RUNPOD_LOG_LEVEL", "PORT"} <= names


def test_every_note_belongs_to_a_field_without_a_docstring() -> None:
    """A note for a field that is gone, or that has its own docstring, would silently lie."""
    needed = set()
    for service, cls in config_docs.settings_classes():
        prefix = str(cls.model_config.get("env_prefix") or "").upper()
        documented = config_docs.attribute_docstrings(cls)
        for field, info in cls.model_fields.items():
            if field not in documented and not info.description:
                needed |= {prefix + field.upper(), f"{prefix}{field.upper()}@{service}"}
    assert set(config_docs.NOTES) <= needed, sorted(set(config_docs.NOTES) - needed)


def test_a_field_without_a_meaning_stops_the_generator() -> None:
    class Undocumented(BaseSettings):
        brand_new_setting: int = 3

    with pytest.raises(SystemExit, match="BRAND_NEW_SETTING"):
        config_docs.settings_variables("API", Undocumented)


def test_a_secret_is_marked_and_its_value_never_shown() -> None:
    rows = {
        (name, service): (default, meaning)
        for name, service, default, meaning in table_rows((DOCS / "configuration.md").read_text())
    }
    default, meaning = rows[("CALLBACK_SIGNING_SECRET", "API")]
    assert default == "–"
    assert meaning.startswith("*Secret.*")


def readme_shell_lines() -> list[str]:
    """The commands of the README's shell blocks, comments dropped."""
    blocks = re.findall(r"```(?:bash|sh|shell|console)\n(.*?)```", README.read_text(), re.DOTALL)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line]


def test_the_readme_is_a_landing_page() -> None:
    assert len(README.read_text().splitlines()) <= 150


def test_the_readme_sets_up_with_exactly_two_commands() -> None:
    assert readme_shell_lines() == ["make demo", "make test"]
    # Other targets (`make dev`, `make bench`) live in docs/, reached by links.
    targets = re.findall(r"\bmake ([a-z-]+)", README.read_text())
    assert set(targets) == {"demo", "test"}


def test_the_readme_links_resolve() -> None:
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text())
    assert links, "the README links into docs/"
    for link in links:
        assert (REPO / link).is_file(), link


def test_the_integration_guide_names_every_error_type() -> None:
    guide = (DOCS / "integration.md").read_text()
    missing = [error.value for error in ErrorType if f"`{error.value}`" not in guide]
    assert not missing


CALLBACK_ONLY_ERRORS = {"firestore_refused"}
"""Answered to the worker's callbacks only (on The callback API's page), never to the app."""


def api_error_types() -> set[str]:
    """The `error_type` of every error the API raises on purpose."""
    found, todo = set(), [CallbackAPIError]
    while todo:
        cls = todo.pop()
        found.add(cls.error_type)
        todo.extend(cls.__subclasses__())
    return found


def test_the_integration_guide_names_every_error_the_api_answers() -> None:
    guide = (DOCS / "integration.md").read_text()
    types = api_error_types() - CALLBACK_ONLY_ERRORS
    assert {"narration_pending", "voice_pending", "voice_not_ready", "rate_limited"} <= types
    assert not [error for error in sorted(types) if f"`{error}`" not in guide]


def test_the_integration_guide_covers_both_endpoints_in_curl_and_javascript() -> None:
    guide = (DOCS / "integration.md").read_text()
    for path in ("/api/tts/stories/", "/narration", "/api/tts/voices"):
        assert path in guide
    assert guide.count("curl ") >= 2
    assert "getIdToken" in guide
    assert "fetch(" in guide
    assert "FormData" in guide
