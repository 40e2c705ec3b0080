"""The BAN client's configuration: one source of defaults, every setting mapped."""

from __future__ import annotations

import dataclasses
import os

import pytest

from app.cli import CliError, ban_config
from app.settings import Settings
from geo.ban import BanConfig

#: A value for every CARTE_GEN_BAN_* setting the client reads, each unlike its default.
OVERRIDES = {
    "ban_url": "http://addok.test/geocodage",
    "ban_timeout_s": 3.5,
    "ban_max_retries": 1,
    "ban_concurrency": 2,
    "ban_rate_limit_per_s": 7.0,
    "ban_batch_size": 50,
    "ban_min_score": 0.7,
}


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CARTE_GEN_"):
            monkeypatch.delenv(name)


def test_default_settings_give_the_default_client(clean_environment: None) -> None:
    assert ban_config(Settings(_env_file=None)) == BanConfig()  # type: ignore[call-arg]


def test_every_ban_setting_reaches_the_client(clean_environment: None) -> None:
    client_settings = {name for name in Settings.model_fields if name.startswith("ban_")}
    assert client_settings - {"ban_cache_path"} == set(OVERRIDES)  # none forgotten
    config = ban_config(Settings(_env_file=None, **OVERRIDES))  # type: ignore[arg-type]
    default = BanConfig()
    changed = {
        field.name
        for field in dataclasses.fields(BanConfig)
        if getattr(config, field.name) != getattr(default, field.name)
    }
    assert len(changed) == len(OVERRIDES)
    assert config.base_url == OVERRIDES["ban_url"]


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTE_GEN_BAN_BATCH_SIZE", "25")
    assert ban_config(Settings(_env_file=None)).batch_size == 25  # type: ignore[call-arg]


def test_a_config_the_client_refuses_is_a_cli_error(clean_environment: None) -> None:
    settings = Settings(_env_file=None).model_copy(update={"ban_batch_size": 0})  # type: ignore[call-arg]
    with pytest.raises(CliError, match="BAN invalide"):
        ban_config(settings)
