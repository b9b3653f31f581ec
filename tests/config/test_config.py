"""Configuration: defaults, the documented example, environment overrides, secrets."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import DEFAULTS, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"


def flatten(data: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_the_example_documents_every_key_with_its_default():
    example = flatten(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    defaults = flatten(DEFAULTS)
    assert sorted(set(defaults) - set(example)) == [], "keys missing from config.example.yaml"
    assert sorted(set(example) - set(defaults)) == [], "keys the code does not know"
    differing = {k: (example[k], defaults[k]) for k in defaults if example[k] != defaults[k]}
    assert differing == {}


def test_no_config_file_means_embedded_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config.source is None
    assert config.get("storage.path") == DEFAULTS["storage"]["path"]


def test_environment_variables_override_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("telegram:\n  token: from-file\n", encoding="utf-8")
    config = load_config(path, environ={"TROLY06_TELEGRAM_TOKEN": "123:45",
                                        "TROLY06_ZALO_BOT_TOKEN": "zalo"})
    assert config.get("telegram.token") == "123:45"  # stays a string, not sexagesimal
    assert config.get("zalo_bot.token") == "zalo"


def test_secrets_never_appear_when_the_config_is_printed(tmp_path):
    config = load_config(None, environ={"TROLY06_TELEGRAM_TOKEN": "123:SECRET",
                                        "TROLY06_TELEGRAM_SECRET_TOKEN": "hush"})
    shown = repr(config)
    assert "SECRET" not in shown and "hush" not in shown and "***" in shown
